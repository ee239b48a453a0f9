/**
 * The search index alone, in this process, with no gateway or HTTP around it: how long each of
 * the search bench's queries takes over ITEMS documents, and how much a query allocates. With
 * BEFORE=<another checkout of the project> (its node_modules installed or linked), that
 * checkout's index is measured too, the two alternating round by round, and each round's
 * ratio is taken. CHURN=n first tells documents again n times, each with a word never seen
 * before (renamed products, forgotten passages), as a node that has run a long while has: the
 * heap an index keeps is given then too.
 *
 *   npm run bench:search-index
 *   ITEMS=100000 ROUNDS=5 BEFORE=../before npm run bench:search-index
 *   CHURN=200000 BEFORE=../before npm run bench:search-index
 */
import { Session } from "node:inspector/promises";
import path from "node:path";
import type { SearchIndex, SearchQuery } from "../services/search/search-index";
import { BENCH_QUERIES, searchDocAt } from "../test/harness/preload";
import { median } from "../test/harness/stats";

const ITEMS = Number(process.env.ITEMS ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
/** Each query asked this many times a round, so a round's time is not one timer tick. */
const REPEATS = Number(process.env.REPEATS ?? 100);
const CHURN = Number(process.env.CHURN ?? 0);

type Side = { name: string; index: SearchIndex; means: number[]; heapMb: number };

const question = (q: string): SearchQuery => ({ q, includeHidden: false, page: 1, pageSize: 20 });

/** Heap in use after a full collection (the script runs with --expose-gc), in MB. */
function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function sideOf(name: string, root: string): Promise<Side> {
  const module = (await import(path.resolve(root, "services/search/search-index.ts"))) as {
    SearchIndex: new (cachedAnswers?: number) => SearchIndex;
  };
  const heapBefore = heapMb();
  const index = new module.SearchIndex(0);
  const start = Date.now() - ITEMS - CHURN;
  for (let i = 0; i < ITEMS; i++) index.upsert(searchDocAt(i, new Date(start + i).toISOString()));
  for (let n = 0; n < CHURN; n++) {
    const doc = searchDocAt(n % ITEMS, new Date(start + ITEMS + n).toISOString());
    index.upsert({ ...doc, summary: `${doc.summary} Note${n}.` });
  }
  return { name, index, means: [], heapMb: heapMb() - heapBefore };
}

/** The mean over the queries of each query's time, in µs. */
function round(index: SearchIndex): number {
  let total = 0;
  for (const q of BENCH_QUERIES) {
    const started = process.hrtime.bigint();
    for (let r = 0; r < REPEATS; r++) index.search(question(q));
    total += Number(process.hrtime.bigint() - started) / REPEATS / 1000;
  }
  return total / BENCH_QUERIES.length;
}

/** KB a query allocates, from V8's sampling heap profiler over one pass of every query. */
async function allocatedKb(index: SearchIndex): Promise<number> {
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  for (let r = 0; r < REPEATS; r++) for (const q of BENCH_QUERIES) index.search(question(q));
  const { profile } = await session.post("HeapProfiler.stopSampling");
  session.disconnect();
  type Node = { selfSize: number; children: Node[] };
  const sum = (node: Node): number => node.children.reduce((n, c) => n + sum(c), node.selfSize);
  return sum(profile.head as Node) / 1024 / REPEATS / BENCH_QUERIES.length;
}

async function main() {
  const sides: Side[] = [];
  if (process.env.BEFORE) sides.push(await sideOf("before", process.env.BEFORE));
  sides.push(await sideOf("this checkout", "."));
  for (const side of sides) round(side.index); // warm
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of sides) side.means.push(round(side.index));
    if (sides.length === 2) ratios.push(sides[1].means[r] / sides[0].means[r]);
    process.stdout.write(
      `round ${r + 1}: ${sides.map((s) => s.means[r].toFixed(0)).join(" / ")} µs\n`,
    );
  }
  console.log(
    `\n${ITEMS} documents${CHURN ? `, told again ${CHURN} times` : ""}, ${BENCH_QUERIES.length} queries, median of ${ROUNDS} rounds`,
  );
  for (const side of sides)
    console.log(
      `${side.name.padEnd(14)} ${median(side.means).toFixed(0)} µs a query   ${(await allocatedKb(side.index)).toFixed(0)} KB allocated a query   heap kept ${side.heapMb.toFixed(0)} MB`,
    );
  if (ratios.length) console.log(`this checkout / before: ${median(ratios).toFixed(2)}× the time`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
