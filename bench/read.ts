/**
 * A cached product read through the full gateway, beside the peers of bench/peers/ (bare
 * node:http and Fastify serving the same answer from a Map) in the same sitting: on one
 * embedded node (as shipped: metrics on, tracing sampled; then observability off; then every
 * read routed to the catalog, GATEWAY_READY_ANSWERS=0) and with the gateway and the services on
 * two nodes over NATS (held answers, then every read routed). Also each process's resident
 * memory at the end of its load.
 *
 *   npm run bench:read                      # 15 s a run, 50 connections, 3 rounds
 *   DURATION=5 CONNECTIONS=20 npm run bench:read
 *   BREAKDOWN=1 npm run bench:read          # also metrics alone and tracing alone
 *   ROUNDS=5 npm run bench:read             # rounds of alternating runs, medians
 *   BEFORE=../bazaar-before npm run bench:read   # also the embedded read of another checkout
 *                                           # (with its own node_modules), in the same rounds
 *
 * Each figure is the median over rounds of its ratio to bare node:http in the same round, and
 * CPU time per answer from /proc (the server processes' user + system time over the run).
 */
import type autocannon from "autocannon";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client } from "../test/harness/http";
import { startPeer } from "./peer";
import { startNats } from "../test/harness/servers";
import { adminToken, DURATION, load, okPerSecond, startNodes } from "../test/harness/load";
import { median } from "../test/harness/stats";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

interface Run {
  name: string;
  result: autocannon.Result;
  rss: Record<string, number>;
  /** The nodes' CPU time per answered request, in µs. */
  cpuUs: number;
}

/** Where the peers read their product from: the answer Bazaar gave, byte for byte. */
const peerDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-peers-"));
const PRODUCTS_FILE = path.join(peerDir, "products.json");
let productId = "";

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
    // The first read fills the cache; its answer is the one the peers serve.
    writeFileSync(PRODUCTS_FILE, JSON.stringify([await (await fetch(url)).json()]));
    productId = product.id;
    const cpuBefore = cluster.cpuMs();
    const result = await load(CONNECTIONS, { url });
    const cpuUs = ((cluster.cpuMs() - cpuBefore) * 1000) / result.requests.total;
    return { name, result, rss: cluster.rss(), cpuUs } satisfies Run;
  } finally {
    await cluster.stop();
  }
}

/** The same read from a peer of bench/peers/. */
async function readFromPeer(name: string, file: string): Promise<Run> {
  const peer = await startPeer(file, 3969, { PRODUCTS_FILE });
  try {
    const cpuBefore = peer.cpuMs();
    const result = await load(CONNECTIONS, { url: `${peer.base}/api/v1/products/${productId}` });
    const cpuUs = ((peer.cpuMs() - cpuBefore) * 1000) / result.requests.total;
    return { name, result, rss: { peer: peer.rss() }, cpuUs };
  } finally {
    await peer.stop();
  }
}

const JAEGER = { JAEGER_HOST: "127.0.0.1", JAEGER_PORT: "6899" };

/** Each configuration: a name and how to run it once. */
type Configuration = [string, () => Promise<Run>];

const BARE = "peer: bare node:http";

function configurations(natsUrl: string): Configuration[] {
  const embedded = (env: Record<string, string>) => ({ embedded: { PORT: "3970", ...env } });
  const nodes = (name: string, n: Record<string, Record<string, string>>, root?: string) =>
    [name, () => readThrough(name, n, root)] as Configuration;
  const twoNodes = (env: Record<string, string>) => ({
    gateway: { PORT: "3970", SERVICES: "api", TRANSPORTER: natsUrl, ...env },
    services: {
      // Every service but the gateway, by the layouts' groups, so a new service is hosted.
      SERVICES: "@core,@catalog,@orders,@consumers",
      TRANSPORTER: natsUrl,
    },
  });
  const before = process.env.BEFORE;
  return [
    // First: its answer is the one the peers serve.
    // Metrics on and tracing sampled at the default rate, spans sent to a Jaeger agent port
    // that nobody reads: the cost of building and sending them is paid all the same.
    nodes("embedded, as shipped (metrics + tracing 10 %)", embedded(JAEGER)),
    [BARE, () => readFromPeer(BARE, "node-http-read.mjs")],
    ["peer: Fastify", () => readFromPeer("peer: Fastify", "fastify-read.mjs")],
    nodes("embedded, observability off", embedded({ METRICS_ENABLED: "false" })),
    nodes("embedded, every read routed", embedded({ ...JAEGER, GATEWAY_READY_ANSWERS: "0" })),
    ...(before
      ? [nodes("before: embedded, metrics + tracing 10 %", embedded(JAEGER), before)]
      : []),
    ...(process.env.BREAKDOWN
      ? [
          nodes("embedded, metrics only", embedded({})),
          nodes("embedded, tracing 10 % only", embedded({ METRICS_ENABLED: "false", ...JAEGER })),
        ]
      : []),
    nodes("two nodes over NATS, as shipped", twoNodes(JAEGER)),
    nodes(
      "two nodes over NATS, every read routed",
      twoNodes({ ...JAEGER, GATEWAY_READY_ANSWERS: "0" }),
    ),
  ];
}

async function main() {
  // Runs of each configuration alternate, round after round, and each figure is the median
  // of its rounds: the machine's other load (a shared VM) moves single runs by ±30 %.
  const rounds = Number(process.env.ROUNDS ?? 3);
  const byName = new Map<string, Run[]>();
  const nats = await startNats();
  try {
    for (let round = 0; round < rounds; round++)
      for (const [name, run] of configurations(nats.url)) {
        byName.set(name, [...(byName.get(name) ?? []), await run()]);
        process.stdout.write(`round ${round + 1}: ${name} done\n`);
      }
  } finally {
    await nats.stop();
    rmSync(peerDir, { recursive: true, force: true });
  }

  const bare = byName.get(BARE)!;
  const embedded = byName.get("embedded, as shipped (metrics + tracing 10 %)")!;
  console.log(
    `\nGET /api/v1/products/:id, cached; ${CONNECTIONS} connections, ${DURATION} s a run, ` +
      `median of ${rounds} rounds (ratios: median of each round's ratio)`,
  );
  for (const [name, runs] of byName) {
    const rate = median(runs.map((r) => okPerSecond(r.result)));
    const toBare = median(runs.map((r, i) => okPerSecond(r.result) / okPerSecond(bare[i].result)));
    const toEmbedded = median(
      runs.map((r, i) => okPerSecond(r.result) / okPerSecond(embedded[i].result)),
    );
    const cpuUs = median(runs.map((r) => r.cpuUs));
    const cpuToBare = median(runs.map((r, i) => r.cpuUs / bare[i].cpuUs));
    const p99 = median(runs.map((r) => r.result.latency.p99));
    const rss = Object.entries(runs[runs.length - 1].rss)
      .map(([id, mb]) => `${id} ${mb} MB`)
      .join(", ");
    console.log(
      `${name.padEnd(44)} ${Math.round(rate)} ok/s   p99 ${p99} ms   ×bare ${toBare.toFixed(3)}   ` +
        `×embedded ${toEmbedded.toFixed(3)}   ${Math.round(cpuUs)} µs CPU/answer (×bare ` +
        `${cpuToBare.toFixed(2)})   RSS ${rss}   rounds ${runs.map((r) => Math.round(okPerSecond(r.result))).join(", ")} ok/s`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
