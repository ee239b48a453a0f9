/**
 * Checkout (POST /api/v1/orders) on PostgreSQL: one embedded node, then the same services split
 * over four nodes talking over NATS, with Redis, beside bare node:http in the same sitting.
 *
 *   npm run bench:cluster-checkout          # 15 s a run, 50 connections
 *   DURATION=5 CONNECTIONS=20 npm run bench:cluster-checkout
 */
import type autocannon from "autocannon";
import { createDatabase, postgresAvailable } from "../test/harness/postgres";
import { startNats, startRedis } from "../test/harness/servers";
import { baseline, line, loadCheckout, startNodes } from "../test/harness/load";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const STOCK = 10_000_000;

const CLUSTER = {
  "gateway-1": "api",
  "orders-1": "orders,catalog,courses,search",
  "core-1": "users,cart,payments",
  "consumers-1": "@consumers",
};

async function checkout(name: string, nodes: Record<string, Record<string, string>>) {
  const database = await createDatabase();
  const cluster = await startNodes(nodes, { DB_URI: database.uri });
  const { base } = cluster;
  try {
    const { result, outcome } = await loadCheckout(base, CONNECTIONS, STOCK);
    const rss = Object.entries(cluster.rss()).map(([id, mb]) => `${id} ${mb} MB`);
    const { taken, confirmed } = await outcome();
    return { name, result, rss, check: `stock taken ${taken}, CONFIRMED ${confirmed}` };
  } finally {
    await cluster.stop();
    await database.drop();
  }
}

async function main() {
  if (!postgresAvailable()) throw new Error("PostgreSQL is needed");
  const bare = await baseline(CONNECTIONS);
  const runs: { name: string; result: autocannon.Result; rss: string[]; check: string }[] = [];
  runs.push(await checkout("embedded, PostgreSQL", { embedded: { PORT: "3970" } }));

  const [nats, redis] = await Promise.all([startNats(), startRedis()]);
  try {
    const shared = { TRANSPORTER: nats.url, REDIS_URL: redis.url };
    const nodes = Object.fromEntries(
      Object.entries(CLUSTER).map(([id, services], i) => [
        id,
        { ...shared, SERVICES: services, ...(i === 0 ? { PORT: "3970" } : {}) },
      ]),
    );
    runs.push(
      await checkout(`${Object.keys(CLUSTER).length} nodes, NATS, Redis, PostgreSQL`, nodes),
    );
  } finally {
    await Promise.all([nats.stop(), redis.stop()]);
  }

  console.log(`\nPOST /api/v1/orders, ${CONNECTIONS} connections`);
  console.log(line("bare node:http (baseline)", bare));
  for (const run of runs) {
    const ratio = (run.result.requests.average / bare.requests.average).toFixed(4);
    console.log(`${line(run.name, run.result)}   ratio ${ratio}`);
    console.log(`    RSS ${run.rss.join(", ")}; ${run.check} (must match)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
