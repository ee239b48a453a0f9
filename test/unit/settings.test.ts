import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createBrokerConfig } from "../../broker.config";
import { FailFastNatsTransporter } from "../../platform/runtime/fail-fast-nats";
import { ResilientRedisCacher } from "../../platform/runtime/resilient-cacher";
import { ALL_SERVICES, readSettings, SettingsError } from "../../app/settings";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "bazaar-settings-"));
const SECRET = "s".repeat(40);

describe("settings from the environment", () => {
  test("When nothing is set, then the embedded defaults of architecture §2 apply", () => {
    const dir = dataDir();
    const s = readSettings({ DATA_DIR: dir });
    expect(s).toMatchObject({
      transporter: undefined,
      dbUri: undefined,
      redisUrl: undefined,
      services: [...ALL_SERVICES],
      port: 3000,
      host: "127.0.0.1",
      metricsPort: 3030,
      rateLimitAuth: 20,
      rateLimitApi: 1200,
      webhookAllowPrivate: false,
      dataDir: dir,
    });
    expect(s.jaegerHost).toBeUndefined();
  });

  test("When the node is part of a cluster, then the gateway and metrics listen on every address unless told otherwise", () => {
    const cluster = {
      DATA_DIR: dataDir(),
      TRANSPORTER: "nats://127.0.0.1:4222",
      JWT_SECRET: SECRET,
    };
    expect(readSettings(cluster)).toMatchObject({ host: "0.0.0.0", metricsHost: "0.0.0.0" });
    expect(readSettings({ ...cluster, HOST: "10.1.2.3" }).host).toBe("10.1.2.3");
  });

  test.each([
    ["PORT", "eighty", /PORT: expected a whole number/],
    ["PORT", "70000", /PORT: expected a number from 0 to 65535/],
    ["METRICS_PORT", "-1", /METRICS_PORT/],
    ["HOST", "shop.example.com", /HOST/],
    ["TRANSPORTER", "redis://x", /TRANSPORTER: expected a nats:\/\/ URL/],
    ["TRANSPORTER", "not a url", /TRANSPORTER: is not a valid URL/],
    ["DB_URI", "mysql://db", /DB_URI/],
    ["DB_URI", "localhost:5432/shop", /DB_URI/],
    ["REDIS_URL", "http://cache", /REDIS_URL/],
    ["SERVICES", "api,billing", /SERVICES: unknown service "billing"/],
    ["RATE_LIMIT_AUTH", "0", /RATE_LIMIT_AUTH/],
    ["RATE_LIMIT_API", "1.5", /RATE_LIMIT_API/],
    ["WEBHOOK_ALLOW_PRIVATE", "maybe", /WEBHOOK_ALLOW_PRIVATE: expected true or false/],
    ["TRACING_SAMPLE_RATE", "2", /TRACING_SAMPLE_RATE/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL/],
    ["BAZAAR_PROFILE", "qa", /BAZAAR_PROFILE: expected one of development, staging, production/],
    ["BAZAAR_PROFILE", "constructor", /BAZAAR_PROFILE/],
    ["JWT_SECRET", "short", /JWT_SECRET: must be at least 32 characters/],
    ["ADMIN_IP_ALLOWLIST", "10.0.0.0/99", /ADMIN_IP_ALLOWLIST/],
    ["ADMIN_IP_ALLOWLIST", "example.com", /ADMIN_IP_ALLOWLIST/],
    ["SMTP_URL", "mail.example.com", /SMTP_URL/],
    ["QUIET_HOURS", "22-07", /QUIET_HOURS: expected HH:MM-HH:MM or off/],
    ["QUIET_HOURS", "24:00-07:00", /QUIET_HOURS/],
    ["MAX_MESSAGES_PER_DAY", "0", /MAX_MESSAGES_PER_DAY/],
    ["PUBLIC_URL", "ftp://shop.example.com", /PUBLIC_URL: expected a http:\/\/ or https:\/\/ URL/],
    [
      "STOREFRONT_URL",
      "javascript:alert(1)",
      /STOREFRONT_URL: expected a http:\/\/ or https:\/\/ URL/,
    ],
  ])("When %s is %p, then start-up stops with a message naming it", (name, value, message) => {
    const env = { DATA_DIR: dataDir(), [name]: value };
    expect(() => createBrokerConfig(env)).toThrow(SettingsError);
    expect(() => createBrokerConfig(env)).toThrow(message);
  });

  test("When links in messages have no public address, then they point to this node, and a cluster node warns", () => {
    const laptop = readSettings({ DATA_DIR: dataDir(), PORT: "3100" });
    expect(laptop.publicUrl).toBe("http://localhost:3100");
    const node = readSettings({ TRANSPORTER: "nats://127.0.0.1:4222", JWT_SECRET: SECRET });
    expect(node.warnings.join()).toMatch(/PUBLIC_URL is not set/);
    expect(node.warnings.join()).toMatch(/STOREFRONT_URL is not set/);
    const given = readSettings({
      TRANSPORTER: "nats://127.0.0.1:4222",
      JWT_SECRET: SECRET,
      PUBLIC_URL: "https://shop.example.com/",
      STOREFRONT_URL: "https://www.shop.example.com",
    });
    expect(given.publicUrl).toBe("https://shop.example.com");
    expect(given.warnings).toEqual([]);
    // Messages lead shoppers to the storefront: the gateway's address unless it is elsewhere.
    expect(laptop.storefrontUrl).toBe("http://localhost:3100");
    const shop = readSettings({ DATA_DIR: dataDir(), STOREFRONT_URL: "https://www.shop.example/" });
    expect(shop.storefrontUrl).toBe("https://www.shop.example");
  });

  test("When TRANSPORTER is set without JWT_SECRET, then start-up stops: cluster nodes must share it", () => {
    expect(() =>
      readSettings({ DATA_DIR: dataDir(), TRANSPORTER: "nats://127.0.0.1:4222" }),
    ).toThrow(/JWT_SECRET: is required/);
    const s = readSettings({ TRANSPORTER: "nats://127.0.0.1:4222", JWT_SECRET: SECRET });
    expect(s.jwtSecret).toBe(SECRET);
  });

  test("When a profile is chosen, then it scales the rate limits and timeouts set, and production keeps them", () => {
    const env = {
      DATA_DIR: dataDir(),
      RATE_LIMIT_API: "100",
      RATE_LIMIT_AUTH: "10",
      REQUEST_TIMEOUT_MS: "2000",
    };
    const scaled = (profile?: string) => {
      const s = readSettings({ ...env, ...(profile ? { BAZAAR_PROFILE: profile } : {}) });
      return [s.profile.name, s.rateLimitApi, s.rateLimitAuth, s.requestTimeoutMs];
    };
    expect(scaled()).toEqual(["production", 100, 10, 2000]);
    expect(scaled("staging")).toEqual(["staging", 200, 20, 3000]);
    expect(scaled("development")).toEqual(["development", 1000, 100, 6000]);
  });

  test("When only one of ADMIN_EMAIL and ADMIN_PASSWORD is set, then start-up stops", () => {
    expect(() => readSettings({ DATA_DIR: dataDir(), ADMIN_EMAIL: "a@example.com" })).toThrow(
      /ADMIN_PASSWORD/,
    );
    expect(() => readSettings({ DATA_DIR: dataDir(), ADMIN_PASSWORD: "long-enough" })).toThrow(
      /ADMIN_EMAIL/,
    );
  });

  test("When no JWT_SECRET is set on a laptop, then one is generated, kept private in the data dir, reused, and warned about", () => {
    const dir = dataDir();
    const first = readSettings({ DATA_DIR: dir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.warnings.join()).toMatch(/JWT_SECRET is not set/);
    const file = path.join(dir, "jwt-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(first.jwtSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = readSettings({ DATA_DIR: dir });
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.warnings).toEqual([]);
  });

  test("When SERVICES names some services, then only those are listed, once each", () => {
    expect(readSettings({ DATA_DIR: dataDir(), SERVICES: "users, api,users" }).services).toEqual([
      "users",
      "api",
    ]);
  });

  test("When the broker config is built, then calls time out, retries are opt-in and a dead node is noticed by NATS", () => {
    const config = createBrokerConfig({
      DATA_DIR: dataDir(),
      TRANSPORTER: "nats://127.0.0.1:4222",
      JWT_SECRET: SECRET,
      REDIS_URL: "redis://127.0.0.1:6379",
      JAEGER_HOST: "jaeger",
      NODE_ENV: "production",
    });
    expect(config.transporter).toBeInstanceOf(FailFastNatsTransporter);
    expect((config.transporter as unknown as { opts: { url: string } }).opts.url).toBe(
      "nats://127.0.0.1:4222",
    );
    expect(config.registry).toMatchObject({ stopDelay: 1000 });
    expect(config.requestTimeout).toBeGreaterThan(0);
    expect(config.retryPolicy?.enabled).toBe(false);
    expect(config.circuitBreaker?.enabled).toBe(true);
    expect(config.bulkhead?.enabled).toBe(true);
    expect(config.tracking?.enabled).toBe(true);
    expect(config.cacher).toBeInstanceOf(ResilientRedisCacher);
    expect(config.tracing).toMatchObject({ enabled: true, exporter: { type: "Jaeger" } });
    expect(config.metrics).toMatchObject({ enabled: true });
  });

  test("When the retry check sees an error, then only retryable ones qualify", () => {
    const check = createBrokerConfig({ DATA_DIR: dataDir() }).retryPolicy!.check!;
    expect(check(Object.assign(new Error("timeout"), { retryable: true }))).toBe(true);
    expect(check(Object.assign(new Error("declined"), { retryable: false, code: 402 }))).toBe(
      false,
    );
  });
});
