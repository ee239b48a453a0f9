/**
 * Search through the whole gateway on a node whose search store holds ITEMS documents
 * (preloaded as the change channels would write them): how long the node's index takes to
 * build from the store, its RSS then, and query throughput and p99 over a mix of exact, typo,
 * prefix and multi-word queries, beside bare node:http in the same sitting. Each place runs
 * with the node's kept answers (the few queries shoppers repeat) and without them (every
 * query scored, as the long tail is), alternating within a round.
 *
 *   npm run bench:search                           # 10,000 and 100,000 items, SQLite and PostgreSQL
 *   ITEMS=10000 STORES=sqlite CACHED=1000,0 ROUNDS=3 npm run bench:search
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type autocannon from "autocannon";
import { PostgresStore } from "../platform/data/postgres.store";
import type { Store } from "../platform/data/repository";
import { SqliteStore } from "../platform/data/sqlite.store";
import { baseline, load, okPerSecond, startNodes } from "../test/harness/load";
import { waitFor } from "../test/harness/node-process";
import { createDatabase } from "../test/harness/postgres";
import { BENCH_QUERIES, preloadSearch } from "../test/harness/preload";
import { median } from "../test/harness/stats";

const SIZES = (process.env.ITEMS ?? "10000,100000").split(",").map(Number);
const STORES = (process.env.STORES ?? "sqlite,postgres").split(",") as ("sqlite" | "postgres")[];
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
/** SEARCH_CACHED_ANSWERS of each configuration. */
const CACHED = (process.env.CACHED ?? "1000,0").split(",");
const QUERIES = BENCH_QUERIES;

interface Place {
  env: Record<string, string>;
  store(): Store;
  drop(): Promise<void>;
}

async function freshPlace(kind: "sqlite" | "postgres"): Promise<Place> {
  if (kind === "postgres") {
    const database = await createDatabase();
    return {
      env: { DB_URI: database.uri },
      store: () => new PostgresStore(database.uri),
      drop: () => database.drop(),
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-search-"));
  return {
    env: { DATA_DIR: dir },
    store: () => new SqliteStore(dir),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

interface Run {
  name: string;
  buildMs: number;
  rssMb: number;
  result: autocannon.Result;
}

async function measure(name: string, place: Place, items: number, cached: string): Promise<Run> {
  const started = Date.now();
  const node = await startNodes({
    embedded: { PORT: "3973", SEARCH_CACHED_ANSWERS: cached, ...place.env },
  });
  try {
    // The index is built from the store after start: everything visible is found by "".
    const visible = items - Math.ceil(items / 50);
    await waitFor(
      async () => {
        const res = await fetch(`${node.base}/api/v1/search?pageSize=1`);
        return ((await res.json()) as { total: number }).total >= visible;
      },
      600_000,
      "the index built",
    );
    const buildMs = Date.now() - started;
    const rssMb = node.rss().embedded;
    const result = await load(CONNECTIONS, {
      url: node.base,
      requests: QUERIES.map((q) => ({
        method: "GET",
        path: `/api/v1/search?q=${encodeURIComponent(q)}`,
      })),
    });
    return { name, buildMs, rssMb, result };
  } finally {
    await node.stop();
  }
}

async function main() {
  const places = new Map<string, Place>();
  for (const kind of STORES)
    for (const items of SIZES) {
      const place = await freshPlace(kind);
      const store = place.store();
      process.stdout.write(`preloading ${items} search documents into ${kind}\n`);
      await preloadSearch(store, items, kind === "postgres" ? 16 : 1);
      await store.close();
      places.set(`${kind}, ${items} items`, place);
    }
  const bare: autocannon.Result[] = [];
  const runs = new Map<string, Run[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await baseline(CONNECTIONS));
      for (const [where, place] of places)
        for (const cached of CACHED) {
          const name = `${where}, ${cached === "0" ? "nothing kept" : `${cached} kept`}`;
          const items = Number(/(\d+) items/.exec(where)![1]);
          runs.set(name, [...(runs.get(name) ?? []), await measure(name, place, items, cached)]);
          process.stdout.write(`round ${round + 1}: ${name} done\n`);
        }
    }
  } finally {
    for (const place of places.values()) await place.drop();
  }
  const bareOk = median(bare.map(okPerSecond));
  console.log(
    `\nGET /api/v1/search, ${QUERIES.length} queries in turn; ${CONNECTIONS} connections, median of ${ROUNDS} rounds`,
  );
  console.log(`bare node:http (baseline)                       ${Math.round(bareOk)} ok/s`);
  for (const [name, list] of runs) {
    const ok = median(list.map((r) => okPerSecond(r.result)));
    console.log(
      `${name.padEnd(48)} ${Math.round(ok)} ok/s   p50 ${median(list.map((r) => r.result.latency.p50))} ms   p99 ${median(list.map((r) => r.result.latency.p99))} ms   ratio ${(ok / bareOk).toFixed(3)}   index built in ${median(list.map((r) => r.buildMs))} ms   RSS ${median(list.map((r) => r.rssMb))} MB`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
