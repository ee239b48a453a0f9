/**
 * Journey timers on the embedded store (SQLite), in process, without a broker: the engine of
 * `services/engagement/journeys/journey-runs.ts` against a real repository.
 *
 * - Waiting: N runs parked a day ahead. A node's look for due runs reads the `wakeAt` index
 *   and holds a page at most, so its heap and the time of a look should not grow with N.
 * - Firing: D runs due at once, each one send step (a no-op here: the store's work alone),
 *   taken by one or by two loops racing for them, as two nodes would. Rounds alternate.
 *
 *   npm run bench:journey-timers                  # N = 0, 10,000, 100,000; D = 5,000
 *   WAITING=0,20000 DUE=2000 ROUNDS=3 npm run bench:journey-timers
 *   STORE=postgres WAITING=0,10000 DUE=3000 npm run bench:journey-timers   # a fresh database a round
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqliteStore } from "../platform/data/sqlite.store";
import { PostgresStore } from "../platform/data/postgres.store";
import type { Store } from "../platform/data/repository";
import { createDatabase } from "../test/harness/postgres";
import {
  enterRun,
  fireDue,
  RUN_INDEXES,
  type JourneyVersion,
  type PlaceDoc,
  type RunDeps,
  type RunDoc,
} from "../services/engagement/journeys/journey-runs";
import { median } from "../test/harness/stats";

const WAITING = (process.env.WAITING ?? "0,10000,100000").split(",").map(Number);
const DUE = Number(process.env.DUE ?? 5000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const LOOKS = 50;

const gc = () => (globalThis as { gc?: () => void }).gc?.();

const journey = (minutes: number): JourneyVersion => ({
  journeyId: "j1",
  version: 1,
  name: "bench",
  trigger: { event: "event:bench" },
  reentry: "once",
  steps: [
    { type: "wait", minutes },
    {
      type: "send",
      template: "t",
      category: "marketing",
      channels: ["inbox"],
      fallback: false,
      priority: "normal",
    },
  ],
});

const POSTGRES = process.env.STORE === "postgres";

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  if (POSTGRES) {
    const database = await createDatabase();
    const store = new PostgresStore(database.uri);
    try {
      return await work(store);
    } finally {
      await store.close();
      await database.drop();
    }
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-timers-"));
  const store = new SqliteStore(dir);
  try {
    return await work(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function depsOf(
  store: Store,
  runs: RunDeps["runs"],
  version: JourneyVersion,
  now: () => Date,
): Promise<RunDeps> {
  return {
    runs,
    places: await store.repository<PlaceDoc>("journey_places", []),
    now,
    leaseMs: 60_000,
    versionOf: async () => version,
    profileOf: async () => null,
    send: async () => ({ kind: "sent", channels: ["inbox"] }),
  };
}

/** Heap and the time of one look for due runs, with N runs waiting. */
async function waiting(n: number): Promise<{ heapMb: number; lookMs: number }> {
  return withStore(async (store) => {
    const runs = await store.repository<RunDoc>("journey_runs", RUN_INDEXES);
    const version = journey(24 * 60);
    const deps = await depsOf(store, runs, version, () => new Date());
    for (let i = 0; i < n; i++) await enterRun(deps, version, { userId: `u${i}` });
    // Parked a day ahead: the first look moves each entered run onto its wait.
    while ((await fireDue(deps)) > 0);
    gc();
    const times: number[] = [];
    for (let i = 0; i < LOOKS; i++) {
      const started = performance.now();
      await fireDue(deps);
      times.push(performance.now() - started);
    }
    gc();
    return { heapMb: process.memoryUsage().heapUsed / 2 ** 20, lookMs: median(times) };
  });
}

/** Runs fired a second, D due at once, taken by `loops` loops racing. */
async function firing(loops: number): Promise<number> {
  return withStore(async (store) => {
    const runs = await store.repository<RunDoc>("journey_runs", RUN_INDEXES);
    const version = journey(1);
    let clock = Date.now();
    const deps = await depsOf(store, runs, version, () => new Date(clock));
    for (let i = 0; i < DUE; i++) await enterRun(deps, version, { userId: `u${i}` });
    while ((await fireDue(deps)) > 0);
    clock += 2 * 60_000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while ((await fireDue(deps)) > 0);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const completed = await runs.count({ journeyId: "j1", status: "completed" });
    if (completed !== DUE) throw new Error(`${completed} of ${DUE} runs completed`);
    return DUE / seconds;
  });
}

async function main() {
  const waitRows: string[] = [];
  for (const n of WAITING) {
    const heaps: number[] = [];
    const looks: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const { heapMb, lookMs } = await waiting(n);
      heaps.push(heapMb);
      looks.push(lookMs);
    }
    waitRows.push(
      `| ${n.toLocaleString("en")} | ${median(heaps).toFixed(1)} | ${median(looks).toFixed(2)} |`,
    );
    process.stderr.write(`waiting ${n}: heap ${median(heaps).toFixed(1)} MB\n`);
  }
  const rates: Record<number, number[]> = { 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++)
    for (const loops of r % 2 ? [2, 1] : [1, 2]) rates[loops].push(await firing(loops));
  const one = median(rates[1]);
  const two = median(rates[2]);
  process.stdout.write(
    [
      "| runs waiting | heap after a look (MB) | one look for due runs (ms) |",
      "|---|---|---|",
      ...waitRows,
      "",
      "| loops racing | runs fired a second (median) | ratio to one |",
      "|---|---|---|",
      `| 1 | ${Math.round(one)} | 1.00 |`,
      `| 2 | ${Math.round(two)} | ${(two / one).toFixed(2)} |`,
      "",
    ].join("\n"),
  );
}

void main();
