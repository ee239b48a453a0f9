/**
 * What each setting means, for the README's table (`npm run docs:settings` writes it). A test
 * reads every variable `readSettings` asks for and fails on one this list lacks, and on a README
 * table that differs from this list: the table cannot drift from the code.
 */
export interface SettingDoc {
  variables: string[];
  embedded: string;
  meaning: string;
}

export const SETTING_DOCS: SettingDoc[] = [
  {
    variables: ["TRANSPORTER"],
    embedded: "none: one process",
    meaning: "`nats://host:4222`: join a cluster (channels use JetStream there)",
  },
  {
    variables: ["DB_URI"],
    embedded: "one SQLite file under `DATA_DIR` (WAL)",
    meaning:
      "`postgres://…` (JSONB), `mongodb://…` (official driver), or `nedb:` for the NeDB files of earlier versions",
  },
  {
    variables: ["REDIS_URL"],
    embedded: "in-memory cacher and rate limits",
    meaning: "`redis://…`: shared cacher, rate limits and carts",
  },
  {
    variables: ["SERVICES"],
    embedded: "all",
    meaning: "comma list of services this node hosts (`api,users`)",
  },
  { variables: ["NODE_ID"], embedded: "host name + pid", meaning: "node id in the cluster" },
  { variables: ["NAMESPACE"], embedded: "none", meaning: "separates clusters sharing a NATS" },
  { variables: ["PORT"], embedded: "3000", meaning: "REST gateway" },
  {
    variables: ["HOST"],
    embedded: "`127.0.0.1` (`0.0.0.0` with `TRANSPORTER`)",
    meaning:
      "address the REST gateway listens on; `0.0.0.0` to reach a laptop's node from elsewhere",
  },
  { variables: ["METRICS_PORT"], embedded: "3030", meaning: "Prometheus metrics, every node" },
  {
    variables: ["METRICS_HOST"],
    embedded: "`127.0.0.1` (`0.0.0.0` with `TRANSPORTER`)",
    meaning: "address the metrics port listens on; never expose it to the public internet",
  },
  {
    variables: ["METRICS_ENABLED"],
    embedded: "true",
    meaning: "metrics on or off (off only to measure their cost)",
  },
  {
    variables: ["HEALTH_PORT"],
    embedded: "unset",
    meaning: "this node's own `/health/live` and `/health/ready` (any role; for probes)",
  },
  {
    variables: ["JAEGER_HOST", "JAEGER_PORT"],
    embedded: "unset: tracing off; 6832",
    meaning: "Jaeger agent",
  },
  { variables: ["TRACING_SAMPLE_RATE"], embedded: "0.1", meaning: "share of requests traced" },
  {
    variables: ["JWT_SECRET"],
    embedded: "generated into `DATA_DIR/jwt-secret`, with a warning",
    meaning: "required (32+ characters) when `TRANSPORTER` is set",
  },
  { variables: ["JWT_TTL_SECONDS"], embedded: "3600", meaning: "access token lifetime" },
  {
    variables: ["ADMIN_EMAIL", "ADMIN_PASSWORD"],
    embedded: "unset",
    meaning: "seed the first admin when none exists",
  },
  {
    variables: ["RATE_LIMIT_AUTH"],
    embedded: "20",
    meaning: "requests a minute per client address on `/api/v1/auth/*`",
  },
  {
    variables: ["RATE_LIMIT_API"],
    embedded: "1200",
    meaning: "requests a minute per user, API key or address elsewhere",
  },
  {
    variables: ["TRUST_PROXY_HOPS"],
    embedded: "0",
    meaning: "proxies in front whose `X-Forwarded-For` entries are trusted",
  },
  {
    variables: ["ADMIN_IP_ALLOWLIST"],
    embedded: "unset: any address",
    meaning: "IPs and CIDRs allowed on admin routes",
  },
  {
    variables: ["CORS_ORIGINS"],
    embedded: "none",
    meaning: "comma list of allowed browser origins (`*` for any)",
  },
  {
    variables: ["GATEWAY_MAX_IN_FLIGHT"],
    embedded: "1000",
    meaning: "requests a gateway holds at once; past it, 503",
  },
  {
    variables: ["GATEWAY_MAX_IN_FLIGHT_PER_CLIENT"],
    embedded: "50",
    meaning: "requests one client address holds at once (slow bodies too); past it, 429",
  },
  {
    variables: ["GATEWAY_HEADERS_TIMEOUT_MS"],
    embedded: "10000",
    meaning: "a request's headers must arrive by then, or 408",
  },
  {
    variables: ["GATEWAY_REQUEST_TIMEOUT_MS"],
    embedded: "30000",
    meaning: "a request's headers and body must arrive by then, or 408",
  },
  {
    variables: ["REQUEST_TIMEOUT_MS"],
    embedded: "10000",
    meaning: "every call between services ends by then",
  },
  {
    variables: ["SHUTDOWN_DELAY_MS"],
    embedded: "1000",
    meaning:
      "on SIGTERM, readiness goes false and the other nodes stop routing here; the node keeps serving this long, then drains",
  },
  {
    variables: ["ORDER_STALE_MS"],
    embedded: "30000",
    meaning: "a PENDING order untouched this long is finished or compensated by the recovery loop",
  },
  {
    variables: ["CHANNEL_ACK_WAIT_SECONDS"],
    embedded: "30",
    meaning: "JetStream redelivers a message not acknowledged by then",
  },
  {
    variables: ["CHANNEL_STREAM_MAX_MB"],
    embedded: "64",
    meaning:
      "what one JetStream stream (a channel) may hold; the server reserves it, so 11 streams a namespace take 704 MB of its storage",
  },
  {
    variables: ["CHANNEL_STREAM_MAX_AGE_HOURS"],
    embedded: "168",
    meaning: "how long JetStream keeps a channel's messages",
  },
  {
    variables: ["WEBHOOK_ALLOW_PRIVATE"],
    embedded: "false",
    meaning: "allow webhook targets on private addresses",
  },
  {
    variables: ["WEBHOOK_TIMEOUT_MS"],
    embedded: "5000",
    meaning: "one webhook attempt's time limit",
  },
  {
    variables: ["WEBHOOK_MAX_ATTEMPTS"],
    embedded: "6",
    meaning: "attempts before a delivery is dead-lettered",
  },
  {
    variables: ["WEBHOOK_RETRY_BASE_MS"],
    embedded: "2000",
    meaning: "first retry delay; each next one doubles, with jitter, up to an hour",
  },
  { variables: ["SMTP_URL"], embedded: "unset", meaning: "`smtp://…` for e-mail" },
  {
    variables: ["ANALYTICS_ALLOWED_LATENESS_SECONDS"],
    embedded: "300",
    meaning: "behaviour events older than their window's end plus this are dropped (and counted)",
  },
  {
    variables: ["CART_ABANDON_MINUTES"],
    embedded: "60",
    meaning: "a cart untouched this long gets one reminder",
  },
  { variables: ["CART_TTL_DAYS"], embedded: "30", meaning: "a cart untouched this long is gone" },
  {
    variables: ["QUIET_HOURS"],
    embedded: "21:00-08:00",
    meaning:
      "Bazaar's own messages (reminders, journeys) wait through these hours of each user's own zone; `off`: never",
  },
  {
    variables: ["MAX_MESSAGES_PER_DAY"],
    embedded: "3",
    meaning:
      "Bazaar's own messages a user gets a day, across all kinds and channels (account security excepted)",
  },
  {
    variables: ["JOURNEY_LEASE_MS"],
    embedded: "60000",
    meaning:
      "how long a node owns a journey step it took: a node that dies mid-step has its runs taken up by another after this long, and never sooner",
  },
  {
    variables: ["PUBLIC_URL"],
    embedded: "`http://localhost:PORT`",
    meaning: "where users reach the gateway: the address links in messages (unsubscribe) point to",
  },
  {
    variables: ["STOREFRONT_URL"],
    embedded: "`PUBLIC_URL`",
    meaning:
      "where shoppers browse the shop: templates link there as `shopUrl` (the cart reminder to `shopUrl/cart`)",
  },
  {
    variables: ["SEARCH_CACHED_ANSWERS"],
    embedded: "1000",
    meaning: "search answers each node keeps until its index changes (0: none)",
  },
  {
    variables: ["SEED_DEMO_CATALOG"],
    embedded: "false",
    meaning: "load the demo catalog into an empty catalog at start",
  },
  {
    variables: ["DATA_DIR"],
    embedded: "`./data`",
    meaning: "embedded store files and the generated secret; one process at a time",
  },
  { variables: ["NODE_ENV"], embedded: "—", meaning: "`production`: JSON logs" },
  { variables: ["LOG_LEVEL"], embedded: "info", meaning: "fatal, error, warn, info, debug, trace" },
  {
    variables: ["FAULT_INJECTION"],
    embedded: "unset",
    meaning:
      "tests only: points of the order saga and of journey sends where the node crashes on purpose",
  },
];

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The README's settings table, one row a setting, as markdown. */
export function settingsTable(): string {
  const rows = SETTING_DOCS.map(
    (d) =>
      `| ${d.variables.map((v) => `\`${v}\``).join(", ")} | ${cell(d.embedded)} | ${cell(d.meaning)} |`,
  );
  return ["| variable | default (embedded) | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

export const TABLE_START = "<!-- settings table: written by npm run docs:settings -->";
export const TABLE_END = "<!-- end of settings table -->";
