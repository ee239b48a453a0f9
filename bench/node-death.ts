/**
 * What a node's death costs a shop's clients (CI runs a short form: test/cluster/node-death).
 * Three nodes, each hosting every service, on NATS, Redis and PostgreSQL; a random node
 * SIGKILLed every 10 s and started again 3 s later; clients that retry each order on another
 * node with its Idempotency-Key, each attempt given 5 s and the order 20 s. Each run reports
 * how long the orders in flight at a death took to get their final answer after it, how many
 * attempts got no answer in 5 s, and how many orders were given up.
 *
 *   npm run bench:node-death                 # 3 runs of 120 s
 *   RUNS=1 DURATION=60 npm run bench:node-death
 *   SHOW_LOGS=1 npm run bench:node-death     # and the nodes' warnings
 */
import { ALL_SERVICES } from "../app/settings";
import { ADMIN, killOneAndRestart, liveGateways, startCluster } from "../test/harness/cluster";
import { client } from "../test/harness/http";
import { everyOrderSettled, invariantViolations, snapshot } from "../test/harness/invariants";
import { startRetryingClients, type OrderAttempts } from "../test/harness/retrying-clients";
const DURATION = Number(process.env.DURATION ?? 120);

const RUNS = Number(process.env.RUNS ?? 3);
const KILL_EVERY_MS = 10_000;
const RESTART_AFTER_MS = 3000;
const STOCK = 1_000_000;
const NODES = ["node-1", "node-2", "node-3"].map((id) => ({
  id,
  services: ALL_SERVICES.join(","),
}));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

/** For each order in flight at a death: how long after the death its final answer came. */
function afterDeaths(orders: OrderAttempts[], deaths: number[]): number[] {
  return orders.flatMap((o) => {
    const death = deaths.find((d) => o.startedAt <= d && (o.answeredAt ?? Infinity) > d);
    if (death === undefined) return [];
    return [(o.answeredAt ?? o.startedAt + 20_000) - death];
  });
}

async function run(n: number) {
  const cluster = await startCluster(NODES, {
    RATE_LIMIT_API: "10000000",
    RATE_LIMIT_AUTH: "100000",
    REQUEST_TIMEOUT_MS: "3000",
  });
  try {
    const [gw] = cluster.gateways;
    const admin = (await gw.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await gw.post(
        "/api/v1/products",
        { sku: `DEATH-${n}`, name: "Death", price: 300, category: "c", stock: STOCK },
        { token: admin },
      )
    ).body;
    const alive = () => liveGateways(cluster);
    const clients = await startRetryingClients(alive, product.id, { count: 20 });
    const deaths: number[] = [];
    for (const end = Date.now() + DURATION * 1000; Date.now() < end;) {
      await sleep(KILL_EVERY_MS);
      deaths.push(Date.now());
      await killOneAndRestart(cluster, NODES, RESTART_AFTER_MS);
    }
    const orders = await clients.stop();
    const front = client(() => alive()[0]);
    await everyOrderSettled(front, admin, 120_000);
    const violations = invariantViolations(await snapshot(front, admin, { [product.id]: STOCK }));
    const settle = afterDeaths(orders, deaths).sort((a, b) => a - b);
    const result = {
      run: n,
      orders: orders.length,
      kills: deaths.length,
      interrupted: settle.length,
      settleAfterDeathMs: {
        p50: quantile(settle, 0.5),
        p99: quantile(settle, 0.99),
        max: settle.at(-1),
      },
      attemptsTimedOutAt5s: orders.reduce((s, o) => s + o.timedOut, 0),
      gaveUpAt20s: orders.filter((o) => o.answeredAt === undefined).length,
      notConfirmed: orders.filter((o) => o.answeredAt && o.status !== 201).length,
      invariantViolations: violations.length,
    };
    console.log(JSON.stringify(result));
    // The slowest orders, with when they started against the deaths, to read what held them.
    const t0 = deaths[0] ?? 0;
    for (const o of orders.filter((x) => (x.answeredAt ?? Infinity) - x.startedAt > 5000))
      console.log(
        `  slow ${o.key}: started ${o.startedAt - t0} ms, answered ${o.answeredAt ? o.answeredAt - t0 : "never"} ms, ` +
          `${o.attempts} attempts, deaths at ${deaths.map((d) => d - t0).join(",")} ms`,
      );
    if (process.env.SHOW_LOGS)
      for (const node of cluster.nodes.values())
        console.log(
          node.process
            .output()
            .split("\n")
            .filter((l) => l.includes("WARN"))
            .map((l) => `${node.id}: ${l}`)
            .join("\n"),
        );
    return result;
  } finally {
    await cluster.stop();
  }
}

async function main() {
  const results = [];
  for (let n = 1; n <= RUNS; n++) results.push(await run(n));
  const p99s = results.map((r) => r.settleAfterDeathMs.p99).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      runs: RUNS,
      durationS: DURATION,
      medianOfP99SettleAfterDeathMs: quantile(p99s, 0.5),
      worstP99SettleAfterDeathMs: p99s.at(-1),
      attemptsTimedOutAt5s: results.reduce((s, r) => s + r.attemptsTimedOutAt5s, 0),
      gaveUpAt20s: results.reduce((s, r) => s + r.gaveUpAt20s, 0),
      invariantViolations: results.reduce((s, r) => s + r.invariantViolations, 0),
    }),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
