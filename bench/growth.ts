/**
 * Does the embedded node's cost grow with its data? For each embedded store, an empty data
 * directory against one preloaded (directly through the repository) with ORDERS orders and
 * 20,000 products, alternating round by round: how long until the node is ready, its RSS
 * then, and checkout throughput.
 *
 *   npm run bench:growth                       # 100,000 orders, SQLite and NeDB, 2 rounds
 *   ORDERS=1000000 STORES=sqlite ROUNDS=3 npm run bench:growth
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NedbStore } from "../mixins/db/nedb.store";
import type { Store } from "../mixins/db/repository";
import { SqliteStore } from "../mixins/db/sqlite.store";
import { preloadShop } from "../test/harness/preload";
import { DURATION, loadCheckout, okPerSecond, startNodes } from "./harness";

const ORDERS = Number(process.env.ORDERS ?? 100_000);
const PRODUCTS = 20_000;
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const STORES = (process.env.STORES ?? "sqlite,nedb").split(",") as ("sqlite" | "nedb")[];

function openStore(kind: "sqlite" | "nedb", dir: string): Store {
  return kind === "sqlite" ? new SqliteStore(dir) : new NedbStore(dir);
}

async function preload(kind: "sqlite" | "nedb", dir: string): Promise<void> {
  const store = openStore(kind, dir);
  await preloadShop(store, ORDERS, PRODUCTS, (n) =>
    process.stdout.write(`  ${kind}: ${n} orders loaded\n`),
  );
  await store.close();
}

interface Measure {
  readyMs: number;
  rssMb: number;
  ordersPerSecond: number;
}

async function measure(kind: "sqlite" | "nedb", dataDir: string): Promise<Measure> {
  const started = Date.now();
  const node = await startNodes({
    embedded: { PORT: "3972", DATA_DIR: dataDir, ...(kind === "nedb" ? { DB_URI: "nedb:" } : {}) },
  });
  const readyMs = Date.now() - started;
  const rssMb = node.rss().embedded;
  try {
    const { result } = await loadCheckout(node.base, 20, 10_000_000);
    return { readyMs, rssMb, ordersPerSecond: okPerSecond(result) };
  } finally {
    await node.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main() {
  const results = new Map<string, Measure[]>();
  const loaded = new Map<string, string>();
  for (const kind of STORES) {
    const dir = mkdtempSync(path.join(tmpdir(), `bazaar-growth-${kind}-`));
    const started = Date.now();
    await preload(kind, dir);
    console.log(
      `${kind}: ${ORDERS} orders and ${PRODUCTS} products loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    loaded.set(kind, dir);
  }
  try {
    for (let round = 0; round < ROUNDS; round++)
      for (const kind of STORES)
        for (const data of ["empty", "loaded"] as const) {
          // startNodes takes the directory as it is: a copy per run keeps the loaded one as loaded.
          const dir =
            data === "empty"
              ? mkdtempSync(path.join(tmpdir(), `bazaar-growth-empty-`))
              : loaded.get(kind)!;
          const name = `${kind}, ${data}`;
          results.set(name, [...(results.get(name) ?? []), await measure(kind, dir)]);
          if (data === "empty") rmSync(dir, { recursive: true, force: true });
        }
  } finally {
    for (const dir of loaded.values()) rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\n${ORDERS} orders, ${PRODUCTS} products; checkout ${DURATION} s at 20 connections; median of ${ROUNDS} rounds`,
  );
  for (const kind of STORES) {
    const empty = results.get(`${kind}, empty`)!;
    const full = results.get(`${kind}, loaded`)!;
    const row = (label: string, runs: Measure[]) =>
      `${label.padEnd(16)} ready ${median(runs.map((r) => r.readyMs))} ms   RSS ${median(runs.map((r) => r.rssMb))} MB   ` +
      `${Math.round(median(runs.map((r) => r.ordersPerSecond)))} orders/s`;
    console.log(row(`${kind}, empty`, empty));
    console.log(row(`${kind}, loaded`, full));
    const ratio =
      median(full.map((r) => r.ordersPerSecond)) / median(empty.map((r) => r.ordersPerSecond));
    console.log(`${kind}: checkout loaded/empty ${ratio.toFixed(2)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
