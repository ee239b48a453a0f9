/**
 * A cached product read through the full gateway, beside bare node:http in the same sitting:
 * on one embedded node (observability on, then off) and served by another node over NATS.
 * Also the resident memory of each node at the end of its load.
 *
 *   npm run bench:read                      # 15 s a run, 50 connections
 *   DURATION=5 CONNECTIONS=20 npm run bench:read
 *   BREAKDOWN=1 npm run bench:read          # also metrics alone and tracing alone
 *   ROUNDS=5 npm run bench:read             # rounds of alternating runs (default 3), medians
 *   BEFORE=../bazaar-before npm run bench:read   # also the embedded read of another checkout
 *                                           # (with its own node_modules), in the same rounds
 *
 * Besides requests/s, each run reports the nodes' CPU time per request (from /proc): both, as
 * medians of alternating rounds, since the shared machine moves single runs.
 */
import type autocannon from "autocannon";
import { client } from "../test/harness/http";
import { startNats } from "../test/harness/servers";
import {
  adminToken,
  baseline,
  DURATION,
  load,
  okPerSecond,
  startNodes,
} from "../test/harness/load";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

interface Run {
  name: string;
  result: autocannon.Result;
  rss: Record<string, number>;
  /** The nodes' CPU time per answered request, in µs. */
  cpuUs: number;
}

/** Starts nodes (id → environment), loads a cached read through the first one, stops them. */
async function readThrough(
  name: string,
  nodes: Record<string, Record<string, string>>,
  root?: string,
) {
  const cluster = await startNodes(nodes, {}, root);
  const { base } = cluster;
  try {
    const admin = await adminToken(base);
    const product = (
      await client(base).post(
        "/api/v1/products",
        { sku: "READ-1", name: "Read", price: 999, category: "bench", stock: 10 },
        { token: admin },
      )
    ).body as { id: string };
    const url = `${base}/api/v1/products/${product.id}`;
    await fetch(url); // the first read fills the cache
    const cpuBefore = cluster.cpuMs();
    const result = await load(CONNECTIONS, { url });
    const cpuUs = ((cluster.cpuMs() - cpuBefore) * 1000) / result.requests.total;
    return { name, result, rss: cluster.rss(), cpuUs } satisfies Run;
  } finally {
    await cluster.stop();
  }
}

const JAEGER = { JAEGER_HOST: "127.0.0.1", JAEGER_PORT: "6899" };

/** Each configuration: a name and its nodes (id → environment; the first serves HTTP). */
type Configuration = [string, Record<string, Record<string, string>>, string?];

function configurations(natsUrl: string): Configuration[] {
  const embedded = (env: Record<string, string>) => ({ embedded: { PORT: "3970", ...env } });
  const before = process.env.BEFORE;
  return [
    ...(before
      ? ([
          ["before: embedded, metrics + tracing 10 %", embedded(JAEGER), before],
        ] as Configuration[])
      : []),
    // Metrics on and tracing sampled at the default rate, spans sent to a Jaeger agent port
    // that nobody reads: the cost of building and sending them is paid all the same.
    ["embedded, metrics + tracing 10 %", embedded(JAEGER)],
    ["embedded, observability off", embedded({ METRICS_ENABLED: "false" })],
    ...(process.env.BREAKDOWN
      ? ([
          ["embedded, metrics only", embedded({})],
          ["embedded, tracing 10 % only", embedded({ METRICS_ENABLED: "false", ...JAEGER })],
        ] as Configuration[])
      : []),
    [
      "gateway → catalog node over NATS",
      {
        gateway: { PORT: "3970", SERVICES: "api", TRANSPORTER: natsUrl },
        services: {
          // Every service but the gateway, by the layouts' groups, so a new service is hosted.
          SERVICES: "@core,@catalog,@orders,@consumers",
          TRANSPORTER: natsUrl,
        },
      },
    ],
  ];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main() {
  // Runs of each configuration alternate, round after round, and each figure is the median
  // of its rounds: the machine's other load (a shared VM) moves single runs by ±30 %.
  const rounds = Number(process.env.ROUNDS ?? 3);
  const bare: autocannon.Result[] = [];
  const byName = new Map<string, Run[]>();
  const nats = await startNats();
  try {
    for (let round = 0; round < rounds; round++) {
      bare.push(await baseline(CONNECTIONS));
      for (const [name, nodes, root] of configurations(nats.url))
        byName.set(name, [...(byName.get(name) ?? []), await readThrough(name, nodes, root)]);
    }
  } finally {
    await nats.stop();
  }

  const bareRate = median(bare.map(okPerSecond));
  console.log(
    `\nGET /api/v1/products/:id, cached; ${CONNECTIONS} connections, ${DURATION} s a run, ` +
      `median of ${rounds} rounds`,
  );
  console.log(`${"bare node:http (baseline)".padEnd(34)} ${Math.round(bareRate)} ok/s`);
  const summary = new Map<string, { rate: number; cpuUs: number }>();
  for (const [name, runs] of byName) {
    const rate = median(runs.map((r) => okPerSecond(r.result)));
    const cpuUs = median(runs.map((r) => r.cpuUs));
    summary.set(name, { rate, cpuUs });
    const p99 = median(runs.map((r) => r.result.latency.p99));
    const rounds = runs.map((r) => Math.round(okPerSecond(r.result))).join(", ");
    const rss = Object.entries(runs[runs.length - 1].rss)
      .map(([id, mb]) => `${id} ${mb} MB`)
      .join(", ");
    console.log(
      `${name.padEnd(34)} ${Math.round(rate)} ok/s   p99 ${p99} ms   ratio ${(rate / bareRate).toFixed(3)}` +
        `   ${Math.round(cpuUs)} µs CPU/req   RSS ${rss}   rounds ${rounds} ok/s`,
    );
  }
  const off = summary.get("embedded, observability off")!;
  for (const [name, s] of summary) {
    if (!name.startsWith("embedded,") || s === off) continue;
    const throughputCost = 1 - s.rate / off.rate;
    const cpuCost = s.cpuUs / off.cpuUs - 1;
    console.log(
      `cost of ${name.replace("embedded, ", "")}: ${(100 * throughputCost).toFixed(1)} % of ` +
        `throughput, +${(100 * cpuCost).toFixed(1)} % CPU a request`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
