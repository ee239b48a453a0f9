import { randomBytes } from "node:crypto";
import { clockMinutes } from "../services/engagement/quiet-hours";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { BlockList, isIP } from "node:net";
import path from "node:path";
import type { Settings } from "../contracts/settings";
import { StartupError } from "../platform/runtime/startup-error";

export type { Settings };
export { StartupError };

/** Every service folder under services/; `SERVICES` may name only these. */
export const ALL_SERVICES = [
  "api",
  "users",
  "catalog",
  "cart",
  "orders",
  "payments",
  "notifications",
  "analytics",
  "courses",
  "search",
  "engagement",
] as const;
export type ServiceName = (typeof ALL_SERVICES)[number];

export class SettingsError extends StartupError {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = "SettingsError";
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new SettingsError(name, `expected a number from ${min} to ${max}, got ${value}`);
  return value;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new SettingsError(name, `expected a number from 0 to 1, got "${raw}"`);
  return value;
}

function positive(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 525_600)
    throw new SettingsError(name, `expected a positive number, got "${raw}"`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new SettingsError(name, `expected true or false, got "${raw}"`);
}

/** An IP address to listen on. */
function address(env: Env, name: string, fallback: string): string {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (isIP(value) === 0) throw new SettingsError(name, "must be an IP address, such as 127.0.0.1");
  return value;
}

function url(env: Env, name: string, schemes: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new SettingsError(name, "is not a valid URL");
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (!schemes.includes(scheme))
    throw new SettingsError(name, `expected a ${schemes.map((s) => s + "://").join(" or ")} URL`);
  return raw;
}

function serviceList(env: Env): ServiceName[] {
  const raw = text(env, "SERVICES");
  if (raw === undefined || raw === "all") return [...ALL_SERVICES];
  const names = raw.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(ALL_SERVICES as readonly string[]).includes(name))
      throw new SettingsError(
        "SERVICES",
        `unknown service "${name}" (known: ${ALL_SERVICES.join(", ")})`,
      );
  }
  return [...new Set(names)] as ServiceName[];
}

function ipAllowlist(env: Env): BlockList | undefined {
  const raw = text(env, "ADMIN_IP_ALLOWLIST");
  if (raw === undefined) return undefined;
  const list = new BlockList();
  for (const entry of raw.split(",").map((e) => e.trim())) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address);
    if (family === 0) throw new SettingsError("ADMIN_IP_ALLOWLIST", `"${entry}" is not an IP`);
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))
        throw new SettingsError("ADMIN_IP_ALLOWLIST", `"${entry}" has a bad prefix length`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

/** `HH:MM-HH:MM` in each user's own zone, or `off`. */
function quietHours(env: Env): { start: string; end: string } | undefined {
  const raw = text(env, "QUIET_HOURS") ?? "21:00-08:00";
  if (raw === "off") return undefined;
  const [start, end] = raw.length <= 11 ? raw.split("-") : [];
  const valid = (clock: string | undefined) => clock && clockMinutes(clock) !== undefined;
  if (!valid(start) || !valid(end) || start === end)
    throw new SettingsError(
      "QUIET_HOURS",
      `expected HH:MM-HH:MM or off, got "${raw.slice(0, 20)}"`,
    );
  return { start, end };
}

/** Where users reach the gateway: links in messages point there. No trailing slash. */
function publicUrl(
  env: Env,
  port: number,
  cluster: string | undefined,
  warnings: string[],
): string {
  const given = url(env, "PUBLIC_URL", ["http", "https"]);
  if (!given && cluster)
    warnings.push("PUBLIC_URL is not set: links in messages point to localhost");
  return (given ?? `http://localhost:${port}`).replace(/\/+$/, "");
}

const MIN_SECRET_LENGTH = 32;

/**
 * Cluster nodes must share one secret, so it is required there; a laptop gets one generated
 * per data dir and kept, so tokens survive a restart.
 */
function jwtSecret(env: Env, dataDir: string, clustered: boolean, warnings: string[]): string {
  const given = text(env, "JWT_SECRET");
  if (given !== undefined) {
    if (given.length < MIN_SECRET_LENGTH)
      throw new SettingsError("JWT_SECRET", `must be at least ${MIN_SECRET_LENGTH} characters`);
    return given;
  }
  if (clustered)
    throw new SettingsError("JWT_SECRET", "is required when TRANSPORTER is set (cluster mode)");
  const file = path.join(dataDir, "jwt-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString("base64url");
    writeFileSync(file, secret + "\n", { mode: 0o600 });
    warnings.push(
      `JWT_SECRET is not set: generated one and kept it in ${file}. Set JWT_SECRET in production.`,
    );
    return secret;
  }
}

/** Where the order saga may be told to die (test/integration/crash-recovery.test.ts). */
export const SAGA_FAULT_POINTS = [
  "after-order-insert",
  "after-reserve",
  "after-charge",
  "after-confirm-write",
] as const;
/** Every point a test may name: the saga's, and a journey send's (test/cluster/journey-timers). */
export const FAULT_POINTS = [...SAGA_FAULT_POINTS, "journey-after-decide"] as const;

function faultPoints(env: Env): string[] {
  const raw = text(env, "FAULT_INJECTION");
  if (raw === undefined) return [];
  const points = raw.split(",").map((p) => p.trim());
  for (const point of points)
    if (!(FAULT_POINTS as readonly string[]).includes(point))
      throw new SettingsError(
        "FAULT_INJECTION",
        `unknown point "${point}" (known: ${FAULT_POINTS.join(", ")})`,
      );
  if (env.NODE_ENV === "production")
    throw new SettingsError("FAULT_INJECTION", "is for tests and must not be set in production");
  return points;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

export function readSettings(env: Env = process.env): Settings {
  const warnings: string[] = [];
  const production = env.NODE_ENV === "production";
  const transporter = url(env, "TRANSPORTER", ["nats"]);
  const dataDir = path.resolve(text(env, "DATA_DIR") ?? "data");
  const logLevel = text(env, "LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new SettingsError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}`);
  const adminEmail = text(env, "ADMIN_EMAIL");
  const adminPassword = text(env, "ADMIN_PASSWORD");
  if ((adminEmail === undefined) !== (adminPassword === undefined))
    throw new SettingsError(
      adminEmail ? "ADMIN_PASSWORD" : "ADMIN_EMAIL",
      "ADMIN_EMAIL and ADMIN_PASSWORD go together",
    );
  if (adminPassword !== undefined && adminPassword.length < 8)
    throw new SettingsError("ADMIN_PASSWORD", "must be at least 8 characters");
  const gateway = publicUrl(env, integer(env, "PORT", 3000, 0, 65535), transporter, warnings);
  const storefront = url(env, "STOREFRONT_URL", ["http", "https"]);
  if (!storefront && transporter)
    warnings.push("STOREFRONT_URL is not set: links in messages lead to the gateway's address");

  return {
    production,
    nodeId: text(env, "NODE_ID") ?? `${hostname()}-${process.pid}`,
    namespace: text(env, "NAMESPACE") ?? "",
    transporter,
    dbUri: url(env, "DB_URI", [
      "mongodb",
      "mongodb+srv",
      "postgres",
      "postgresql",
      "sqlite",
      "nedb",
    ]),
    redisUrl: url(env, "REDIS_URL", ["redis", "rediss"]),
    services: serviceList(env),
    port: integer(env, "PORT", 3000, 0, 65535),
    host: address(env, "HOST", transporter ? "0.0.0.0" : "127.0.0.1"),
    metricsPort: integer(env, "METRICS_PORT", 3030, 0, 65535),
    metricsHost: address(env, "METRICS_HOST", transporter ? "0.0.0.0" : "127.0.0.1"),
    healthPort: text(env, "HEALTH_PORT") ? integer(env, "HEALTH_PORT", 0, 0, 65535) : undefined,
    metricsEnabled: flag(env, "METRICS_ENABLED", true),
    jaegerHost: text(env, "JAEGER_HOST"),
    jaegerPort: integer(env, "JAEGER_PORT", 6832, 1, 65535),
    tracingSampleRate: fraction(env, "TRACING_SAMPLE_RATE", 0.1),
    jwtSecret: jwtSecret(env, dataDir, transporter !== undefined, warnings),
    jwtTtlSeconds: integer(env, "JWT_TTL_SECONDS", 3600, 60, 30 * 86400),
    adminEmail,
    adminPassword,
    rateLimitAuth: integer(env, "RATE_LIMIT_AUTH", 20, 1, 1_000_000),
    rateLimitApi: integer(env, "RATE_LIMIT_API", 1200, 1, 10_000_000),
    adminIpAllowlist: ipAllowlist(env),
    trustProxyHops: integer(env, "TRUST_PROXY_HOPS", 0, 0, 10),
    corsOrigins: (text(env, "CORS_ORIGINS") ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    webhookAllowPrivate: flag(env, "WEBHOOK_ALLOW_PRIVATE", false),
    smtpUrl: url(env, "SMTP_URL", ["smtp", "smtps"]),
    dataDir,
    requestTimeoutMs: integer(env, "REQUEST_TIMEOUT_MS", 10_000, 100, 600_000),
    shutdownDelayMs: integer(env, "SHUTDOWN_DELAY_MS", 1000, 0, 60_000),
    gatewayMaxInFlight: integer(env, "GATEWAY_MAX_IN_FLIGHT", 1000, 1, 1_000_000),
    gatewayMaxInFlightPerClient: integer(env, "GATEWAY_MAX_IN_FLIGHT_PER_CLIENT", 50, 1, 1_000_000),
    gatewayHeadersTimeoutMs: integer(env, "GATEWAY_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    gatewayRequestTimeoutMs: integer(env, "GATEWAY_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
    logLevel: logLevel as Settings["logLevel"],
    seedDemoCatalog: flag(env, "SEED_DEMO_CATALOG", false),
    channelAckWaitSeconds: integer(env, "CHANNEL_ACK_WAIT_SECONDS", 30, 1, 3600),
    channelStreamMaxMb: integer(env, "CHANNEL_STREAM_MAX_MB", 64, 1, 1024 * 1024),
    channelStreamMaxAgeHours: integer(env, "CHANNEL_STREAM_MAX_AGE_HOURS", 7 * 24, 1, 24 * 365),
    webhookTimeoutMs: integer(env, "WEBHOOK_TIMEOUT_MS", 5000, 100, 60_000),
    webhookMaxAttempts: integer(env, "WEBHOOK_MAX_ATTEMPTS", 6, 1, 20),
    webhookRetryBaseMs: integer(env, "WEBHOOK_RETRY_BASE_MS", 2000, 10, 3_600_000),
    analyticsLatenessSeconds: integer(env, "ANALYTICS_ALLOWED_LATENESS_SECONDS", 300, 0, 86_400),
    cartAbandonMinutes: positive(env, "CART_ABANDON_MINUTES", 60),
    cartTtlDays: integer(env, "CART_TTL_DAYS", 30, 1, 365),
    searchCachedAnswers: integer(env, "SEARCH_CACHED_ANSWERS", 1000, 0, 100_000),
    quietHours: quietHours(env),
    maxMessagesPerDay: integer(env, "MAX_MESSAGES_PER_DAY", 3, 1, 1000),
    journeyLeaseMs: integer(env, "JOURNEY_LEASE_MS", 60_000, 1000, 3_600_000),
    publicUrl: gateway,
    storefrontUrl: (storefront ?? gateway).replace(/\/+$/, ""),
    orderStaleMs: integer(env, "ORDER_STALE_MS", 30_000, 500, 3_600_000),
    faultInjection: faultPoints(env),
    warnings,
  };
}
