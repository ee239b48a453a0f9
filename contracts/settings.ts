import type { BlockList } from "node:net";

/**
 * What the composition root (app/settings.ts) gives every service: the environment read and
 * validated once. Services read it through `settingsOf(broker)`.
 */
export interface Settings {
  production: boolean;
  nodeId: string;
  namespace: string;
  transporter?: string;
  dbUri?: string;
  redisUrl?: string;
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
  adminEmail?: string;
  adminPassword?: string;
  rateLimitAuth: number;
  rateLimitApi: number;
  adminIpAllowlist?: BlockList;
  trustProxyHops: number;
  corsOrigins: string[];
  webhookAllowPrivate: boolean;
  smtpUrl?: string;
  dataDir: string;
  requestTimeoutMs: number;
  /** On SIGTERM, how long a node keeps serving after telling the others it leaves. */
  shutdownDelayMs: number;
  gatewayMaxInFlight: number;
  /** One client address may hold at most this many requests in flight (slow bodies included). */
  gatewayMaxInFlightPerClient: number;
  /** A request's headers must all arrive within this long. */
  gatewayHeadersTimeoutMs: number;
  /** A request, headers and body, must all arrive within this long. */
  gatewayRequestTimeoutMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
  seedDemoCatalog: boolean;
  channelAckWaitSeconds: number;
  /** What one JetStream stream may hold before its oldest messages go; reserved on the server. */
  channelStreamMaxMb: number;
  channelStreamMaxAgeHours: number;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  /** First retry delay; each next one doubles, with jitter, up to an hour. */
  webhookRetryBaseMs: number;
  /** Behaviour events older than their window's end plus this are dropped (and counted). */
  analyticsLatenessSeconds: number;
  cartAbandonMinutes: number;
  cartTtlDays: number;
  /** Bazaar's own messages wait through these local hours; undefined: never. */
  quietHours?: { start: string; end: string };
  /** Bazaar's own messages a user gets a day, across all kinds and channels. */
  maxMessagesPerDay: number;
  /** How long a node owns a journey run it took; past it, another node takes the run up. */
  journeyLeaseMs: number;
  /** Where users reach the gateway (`PUBLIC_URL`), for links in messages. */
  publicUrl: string;
  /** Where shoppers browse the shop (`STOREFRONT_URL`): messages link there (`shopUrl`). */
  storefrontUrl: string;
  /** Search answers each node keeps until its index changes; 0 keeps none. */
  searchCachedAnswers: number;
  /** A PENDING order untouched this long is finished or compensated by the recovery loop. */
  orderStaleMs: number;
  /** Test-only crash points of the order saga (FAULT_INJECTION); empty in production. */
  faultInjection: string[];
  /** Said once at start-up, after the logger exists. */
  warnings: string[];
}
