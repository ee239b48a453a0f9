/**
 * Does a node's cost grow with its data? For each store, an empty one against one preloaded
 * (directly through the repository) with ORDERS orders and 20,000 products, alternating round
 * by round: how long until the node is ready, its RSS then, and checkout throughput.
 *
 *   npm run bench:growth                       # 100,000 orders, SQLite and PostgreSQL, 2 rounds
 *   ORDERS=1000000 STORES=sqlite,postgres ROUNDS=3 npm run bench:growth
 *   STORES=nedb npm run bench:growth           # the store kept for data of earlier versions
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NedbStore } from "../platform/data/nedb.store";
import type { Store } from "../platform/data/repository";
import { SqliteStore } from "../platform/data/sqlite.store";
import { PostgresStore } from "../platform/data/postgres.store";
import { createDatabase, type TestDatabase } from "../test/harness/postgres";
import { preloadShop } from "../test/harness/preload";
import { DURATION, loadCheckout, okPerSecond, startNodes } from "../test/harness/load";
import { median } from "../test/harness/stats";

const ORDERS = Number(process.env.ORDERS ?? 100_000);
const PRODUCTS = 20_000;
const ROUNDS = Number(process.env.ROUNDS ?? 2);
type Kind = "sqlite" | "nedb" | "postgres";
const STORES = (process.env.STORES ?? "sqlite,postgres").split(",") as Kind[];

/** Where a node keeps its data: a directory, or a database of its own on the server. */
interface Place {
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function freshPlace(kind: Kind): Promise<Place & { store: () => Store }> {
  if (kind === "postgres") {
    const database: TestDatabase = await createDatabase();
    return {
      env: { DB_URI: database.uri },
      store: () => new PostgresStore(database.uri),
      drop: () => database.drop(),
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), `bazaar-growth-${kind}-`));
  return {
    env: { DATA_DIR: dir, ...(kind === "nedb" ? { DB_URI: "nedb:" } : {}) },
    store: () => (kind === "sqlite" ? new SqliteStore(dir) : new NedbStore(dir)),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function preload(kind: Kind, place: { store: () => Store }): Promise<void> {
  const store = place.store();
  await preloadShop(
    store,
    ORDERS,
    PRODUCTS,
    (n) => process.stdout.write(`  ${kind}: ${n} orders loaded\n`),
    kind === "postgres" ? 16 : 1,
  );
  await store.close();
}

interface Measure {
  readyMs: number;
  rssMb: number;
  ordersPerSecond: number;
}

async function measure(place: Place): Promise<Measure> {
  const started = Date.now();
  const node = await startNodes({ embedded: { PORT: "3972", ...place.env } });
  const readyMs = Date.now() - started;
  const rssMb = node.rss().embedded;
  try {
    const { result } = await loadCheckout(node.base, 20, 10_000_000);
    return { readyMs, rssMb, ordersPerSecond: okPerSecond(result) };
  } finally {
    await node.stop();
  }
}

async function main() {
  const results = new Map<string, Measure[]>();
  const loaded = new Map<Kind, Place>();
  try {
    for (const kind of STORES) {
      const place = await freshPlace(kind);
      loaded.set(kind, place);
      const started = Date.now();
      await preload(kind, place);
      console.log(
        `${kind}: ${ORDERS} orders and ${PRODUCTS} products loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    for (let round = 0; round < ROUNDS; round++)
      for (const kind of STORES)
        for (const data of ["empty", "loaded"] as const) {
          const place = data === "empty" ? await freshPlace(kind) : loaded.get(kind)!;
          const name = `${kind}, ${data}`;
          results.set(name, [...(results.get(name) ?? []), await measure(place)]);
          if (data === "empty") await place.drop();
        }
  } finally {
    for (const place of loaded.values()) await place.drop();
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
