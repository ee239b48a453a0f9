import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { PROFILES, type ProfileName, type Settings } from "../contracts/settings";
import {
  address,
  flag,
  fraction,
  integer,
  SettingsError,
  text,
  url,
  type Env,
  type ServiceSettings,
} from "../platform/runtime/env-settings";
import { StartupError } from "../platform/runtime/startup-error";
import { ALL_SERVICES, SERVICE_GROUPS, SERVICE_MODULES, type ServiceName } from "./services";

export type { Settings, ServiceName };
export { ALL_SERVICES, SettingsError, StartupError };

type OwnOf<M> = M extends { settings?: ServiceSettings<infer Own> } ? Own : never;
type AllOf<U> = (U extends unknown ? (own: U) => void : never) extends (own: infer All) => void
  ? All
  : never;
/** What a node is given: the shared settings and every service's own, in one object. */
export type NodeSettings = Settings & AllOf<OwnOf<(typeof SERVICE_MODULES)[number]>>;

/**
 * `SERVICES`: names and `@group`s (the node groups of the compose and k8s layouts), or `all`.
 */
function serviceList(env: Env): ServiceName[] {
  const raw = text(env, "SERVICES");
  if (raw === undefined || raw === "all") return [...ALL_SERVICES];
  return servicesNamed(raw);
}

/** The services a `SERVICES` list names, its groups expanded; an unknown entry is refused. */
export function servicesNamed(raw: string): ServiceName[] {
  const names: ServiceName[] = [];
  for (const entry of raw.split(",").map((name) => name.trim())) {
    const group = entry.startsWith("@") ? SERVICE_GROUPS.get(entry.slice(1)) : undefined;
    if (group) names.push(...group);
    else if ((ALL_SERVICES as readonly string[]).includes(entry)) names.push(entry as ServiceName);
    else
      throw new SettingsError(
        "SERVICES",
        `unknown service "${entry.slice(0, 40)}" (known: ${ALL_SERVICES.join(", ")}; groups: ${[
          ...SERVICE_GROUPS.keys(),
        ]
          .map((g) => "@" + g)
          .join(", ")})`,
      );
  }
  return [...new Set(names)];
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
  "after-refusal",
  "after-confirm-write",
] as const;
/**
 * Every point a test may name: the saga's, a journey send's (test/cluster/journey-timers), and
 * an audited act's (test/cluster/audit.test.ts).
 */
export const FAULT_POINTS = [
  ...SAGA_FAULT_POINTS,
  "journey-after-decide",
  "after-audited-write",
] as const;

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

/**
 * `BAZAAR_PROFILE`: development, staging or production (the default), whose multipliers scale
 * the rate limits and timeouts read here; the values set are production's.
 */
function profileOf(env: Env): Settings["profile"] {
  const name = text(env, "BAZAAR_PROFILE") ?? "production";
  if (!Object.hasOwn(PROFILES, name))
    throw new SettingsError(
      "BAZAAR_PROFILE",
      `expected one of ${Object.keys(PROFILES).join(", ")}`,
    );
  return { name: name as ProfileName, ...PROFILES[name as ProfileName] };
}

export function readSettings(env: Env = process.env): NodeSettings {
  const warnings: string[] = [];
  const production = env.NODE_ENV === "production";
  const transporter = url(env, "TRANSPORTER", ["nats"]);
  const dataDir = path.resolve(text(env, "DATA_DIR") ?? "data");
  const logLevel = text(env, "LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new SettingsError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}`);
  const gateway = publicUrl(env, integer(env, "PORT", 3000, 0, 65535), transporter, warnings);
  const storefront = url(env, "STOREFRONT_URL", ["http", "https"]);
  if (!storefront && transporter)
    warnings.push("STOREFRONT_URL is not set: links in messages lead to the gateway's address");

  const profile = profileOf(env);
  const shared: Settings = {
    production,
    profile,
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
    dbMigrate: flag(env, "DB_MIGRATE", true),
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
    dataDir,
    requestTimeoutMs: Math.round(
      integer(env, "REQUEST_TIMEOUT_MS", 10_000, 100, 600_000) * profile.timeouts,
    ),
    shutdownDelayMs: integer(env, "SHUTDOWN_DELAY_MS", 1000, 0, 60_000),
    logLevel: logLevel as Settings["logLevel"],
    seedDemoCatalog: flag(env, "SEED_DEMO_CATALOG", false),
    channelAckWaitSeconds: integer(env, "CHANNEL_ACK_WAIT_SECONDS", 30, 1, 3600),
    channelStreamMaxMb: integer(env, "CHANNEL_STREAM_MAX_MB", 64, 1, 1024 * 1024),
    channelStreamMaxAgeHours: integer(env, "CHANNEL_STREAM_MAX_AGE_HOURS", 7 * 24, 1, 24 * 365),
    publicUrl: gateway,
    storefrontUrl: (storefront ?? gateway).replace(/\/+$/, ""),
    faultInjection: faultPoints(env),
    warnings,
  };
  // Every service's own settings, hosted here or not: a layout that would fail on one node fails
  // on all, at once.
  const own = SERVICE_MODULES.map((m) => m.settings?.read(env) ?? {});
  const settings = Object.assign(shared, ...own) as NodeSettings;
  settings.rateLimitApi = Math.round(settings.rateLimitApi * profile.rateLimits);
  settings.rateLimitAuth = Math.round(settings.rateLimitAuth * profile.rateLimits);
  return settings;
}
