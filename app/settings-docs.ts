import type { SettingDoc } from "../platform/runtime/env-settings";
import { SERVICE_MODULES } from "./services";
import { Channel } from "../contracts/channels";

/** One JetStream stream a channel, and one for the dead letters. */
const STREAMS = Object.values(Channel).length + 1;

/**
 * What each setting means, for the README's table (`npm run docs:settings` writes it). A test
 * reads every variable `readSettings` asks for and fails on one this list lacks, and on a README
 * table that differs from this list: the table cannot drift from the code.
 */
/** The settings every node reads; each service's own follow, from its module. */
const SHARED_SETTING_DOCS: SettingDoc[] = [
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
    meaning:
      "comma list of services this node hosts (`api,users`) and node groups (`@catalog`: the services whose module names that group)",
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
    variables: ["DB_MIGRATE"],
    embedded: "true",
    meaning:
      "with PostgreSQL, apply the pending migrations at start under an advisory lock; `false` when a Job runs `npm run migrate` first (nodes then only check)",
  },
  {
    variables: ["BAZAAR_PROFILE"],
    embedded: "production",
    meaning:
      "`development` (rate limits ×10, timeouts ×3), `staging` (×2, ×1.5) or `production` (×1): scales `RATE_LIMIT_*` and `REQUEST_TIMEOUT_MS` at start-up; admins see it in `GET /health`",
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
    variables: ["CHANNEL_ACK_WAIT_SECONDS"],
    embedded: "30",
    meaning: "JetStream redelivers a message not acknowledged by then",
  },
  {
    variables: ["CHANNEL_STREAM_MAX_MB"],
    embedded: "64",
    meaning: `what one JetStream stream (a channel) may hold; the server reserves it, so the ${STREAMS} streams of a namespace (one a channel, and the dead letters) take ${STREAMS * 64} MB of its storage`,
  },
  {
    variables: ["CHANNEL_STREAM_MAX_AGE_HOURS"],
    embedded: "168",
    meaning: "how long JetStream keeps a channel's messages",
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

export const SETTING_DOCS: SettingDoc[] = [
  ...SHARED_SETTING_DOCS,
  ...SERVICE_MODULES.flatMap((m) => m.settings?.docs ?? []),
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
