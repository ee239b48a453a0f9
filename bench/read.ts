/**
 * A cached product read through the full gateway, beside bare node:http in the same sitting:
 * on one embedded node (observability on, then off) and served by another node over NATS.
 * Also the resident memory of each node at the end of its load.
 *
 *   npm run bench:read                      # 15 s a run, 50 connections
 *   DURATION=5 CONNECTIONS=20 npm run bench:read
 *   BREAKDOWN=1 npm run bench:read          # also metrics alone and tracing alone
 */
import type autocannon from "autocannon";
import { startNats } from "../test/harness/servers";
import { adminToken, baseline, line, load, post, startNodes } from "./harness";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

interface Run {
  name: string;
  result: autocannon.Result;
  rss: Record<string, number>;
}

/** Starts nodes (id → environment), loads a cached read through the first one, stops them. */
async function readThrough(name: string, nodes: Record<string, Record<string, string>>) {
  const cluster = await startNodes(nodes);
  const { base } = cluster;
  try {
    const admin = await adminToken(base);
    const product = await post(
      `${base}/api/v1/products`,
      { sku: "READ-1", name: "Read", price: 999, category: "bench", stock: 10 },
      admin,
    );
    const url = `${base}/api/v1/products/${product.id}`;
    await fetch(url); // the first read fills the cache
    const result = await load(CONNECTIONS, { url });
    return { name, result, rss: cluster.rss() } satisfies Run;
  } finally {
    await cluster.stop();
  }
}

async function main() {
  const bare = await baseline(CONNECTIONS);
  const runs: Run[] = [];
  // Metrics on and tracing sampled at the default rate, spans sent to a Jaeger agent port that
  // nobody reads: the cost of building and sending them is paid all the same.
  runs.push(
    await readThrough("embedded, metrics + tracing 10 %", {
      embedded: { PORT: "3970", JAEGER_HOST: "127.0.0.1", JAEGER_PORT: "6899" },
    }),
  );
  runs.push(
    await readThrough("embedded, observability off", {
      embedded: { PORT: "3970", METRICS_ENABLED: "false" },
    }),
  );
  if (process.env.BREAKDOWN) {
    runs.push(await readThrough("embedded, metrics only", { embedded: { PORT: "3970" } }));
    runs.push(
      await readThrough("embedded, tracing 10 % only", {
        embedded: {
          PORT: "3970",
          METRICS_ENABLED: "false",
          JAEGER_HOST: "127.0.0.1",
          JAEGER_PORT: "6899",
        },
      }),
    );
  }
  const nats = await startNats();
  try {
    runs.push(
      await readThrough("gateway → catalog node over NATS", {
        gateway: { PORT: "3970", SERVICES: "api", TRANSPORTER: nats.url },
        services: {
          SERVICES: "users,catalog,cart,orders,payments,notifications,analytics",
          TRANSPORTER: nats.url,
        },
      }),
    );
  } finally {
    await nats.stop();
  }

  console.log(`\nGET /api/v1/products/:id, cached; ${CONNECTIONS} connections`);
  console.log(line("bare node:http (baseline)", bare));
  for (const run of runs) {
    const ratio = (run.result.requests.average / bare.requests.average).toFixed(3);
    const rss = Object.entries(run.rss)
      .map(([id, mb]) => `${id} ${mb} MB`)
      .join(", ");
    console.log(`${line(run.name, run.result)}   ratio ${ratio}   RSS ${rss}`);
  }
  const [on, off] = runs;
  const cost = 1 - on.result.requests.average / off.result.requests.average;
  console.log(`observability cost: ${(100 * cost).toFixed(1)} % of throughput`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
