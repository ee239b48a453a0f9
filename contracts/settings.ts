/**
 * What the composition root (app/settings.ts) gives every service: the environment read and
 * validated once. Services read it through `settingsOf(broker)`; a setting only one service reads
 * is that service's own (`services/<name>/settings.ts`, read through `ownSettings`).
 */
/** What an environment profile scales: every rate limit, and every timeout. */
export interface ProfileMultipliers {
  rateLimits: number;
  timeouts: number;
}
export const PROFILES = {
  development: { rateLimits: 10, timeouts: 3 },
  staging: { rateLimits: 2, timeouts: 1.5 },
  production: { rateLimits: 1, timeouts: 1 },
} as const satisfies Record<string, ProfileMultipliers>;
export type ProfileName = keyof typeof PROFILES;

export interface Settings {
  production: boolean;
  /** `BAZAAR_PROFILE`: the environment's multipliers, applied to the values read here. */
  profile: { name: ProfileName } & ProfileMultipliers;
  nodeId: string;
  namespace: string;
  transporter?: string;
  dbUri?: string;
  redisUrl?: string;
  /** With PostgreSQL: apply pending migrations at start (true), or only check them (a Job runs them). */
  dbMigrate: boolean;
  /** The services this node hosts (`SERVICES`), names of folders under services/. */
  services: string[];
  port: number;
  /** The address the REST gateway listens on: loopback embedded, every interface in a cluster. */
  host: string;
  metricsPort: number;
  /**
   * The address the metrics port listens on: loopback embedded, every interface in a cluster
   * (Prometheus scrapes pods). It must never be reachable from the public internet.
   */
  metricsHost: string;
  /** This node's own liveness and readiness (platform/runtime/node-health.ts); unset: not served. */
  healthPort?: number;
  /** Prometheus metrics on (the default) or off. */
  metricsEnabled: boolean;
  jaegerHost?: string;
  jaegerPort: number;
  tracingSampleRate: number;
  jwtSecret: string;
  jwtTtlSeconds: number;
  dataDir: string;
  requestTimeoutMs: number;
  /** On SIGTERM, how long a node keeps serving after telling the others it leaves. */
  shutdownDelayMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
  seedDemoCatalog: boolean;
  channelAckWaitSeconds: number;
  /** What one JetStream stream may hold before its oldest messages go; reserved on the server. */
  channelStreamMaxMb: number;
  channelStreamMaxAgeHours: number;
  /** Where users reach the gateway (`PUBLIC_URL`), for links in messages. */
  publicUrl: string;
  /** Where shoppers browse the shop (`STOREFRONT_URL`): messages link there (`shopUrl`). */
  storefrontUrl: string;
  /** Test-only crash points of the order saga (FAULT_INJECTION); empty in production. */
  faultInjection: string[];
  /** Said once at start-up, after the logger exists. */
  warnings: string[];
}
