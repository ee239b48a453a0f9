/**
 * A live session at size: its participants split over two gateway nodes (NATS, Redis,
 * PostgreSQL), the instructor and 10 % of the learners chatting, each every 2.5 s (the room lets
 * 5 in 10 s). Fan-out latency is sender to last receiver, per message; CPU and peak RSS are per
 * node. Then the largest session one node (every service embedded) carries with p99 under
 * 100 ms, at growing sizes. Configurations alternate round by round; figures are medians.
 *
 *   npm run bench:classroom
 *   ROUNDS=3 SECONDS=20 PARTICIPANTS=300 SIZES=300,600,1000,1500 npm run bench:classroom
 *
 * The clients run in two worker threads of this process, on the same two cores as the nodes:
 * what the machine does for 300 browsers is part of every figure.
 */
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import path from "node:path";
import { signAccessToken } from "../platform/actions/jwt";
import { liveCourse, openSession } from "../test/harness/classroom-client";
import { client, type Client } from "../test/harness/http";
import { adminToken, startNodes, type BenchNodes } from "../test/harness/load";
import { createDatabase, postgresAvailable } from "../test/harness/postgres";
import { cpuMs, rssMb } from "../test/harness/process-stats";
import { startNats, startRedis } from "../test/harness/servers";
import type { ClientShare, ShareResult } from "./classroom-clients";
import { median } from "../test/harness/stats";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 20);
const PARTICIPANTS = Number(process.env.PARTICIPANTS ?? 300);
const SIZES = (process.env.SIZES ?? "300,600,1000,1500").split(",").map(Number);
const CHAT_EVERY_MS = 2500;
const WORKERS = 2;
const SECRET = "bench-secret-".padEnd(48, "x");
const ROOM_SETTINGS = {
  CLASSROOM_SOCKETS_PER_ADDRESS: "100000",
  CLASSROOM_DEFAULT_CAP: "100000",
  LOG_LEVEL: "error",
};

interface Stage {
  api: Client;
  courseId: string;
  teacher: { id: string; token: string };
  learners: string[];
}

/** A course, its instructor, and learners enrolled (tokens signed here: no 2,000 sign-ups). */
async function stage(base: string, learners: number): Promise<Stage> {
  const api = client(base);
  const admin = await adminToken(base);
  const { teacher, courseId } = await liveCourse(api, admin, `bench-${randomUUID().slice(0, 8)}`);
  const tokens: string[] = [];
  for (let i = 0; i < learners; i += 25)
    tokens.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(25, learners - i) }, async () => {
          const token = signAccessToken({ id: randomUUID(), roles: ["customer"] }, SECRET, 3600);
          const res = await api.post(`/api/v1/courses/${courseId}/enrol`, {}, { token });
          if (res.status >= 300) throw new Error(`enrolling answered ${res.status}`);
          return token;
        }),
      )),
    );
  return { api, courseId, teacher, learners: tokens };
}

interface Run {
  p50: number;
  p99: number;
  messages: number;
  /** Per node: CPU as a share of one core over the run, and peak RSS in MB. */
  nodes: Record<string, { cpu: number; rss: number }>;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

/** One session of `size` participants (the instructor among them) over the gateways. */
async function session(
  stageOf: Stage,
  size: number,
  urls: string[],
  nodes: BenchNodes,
): Promise<Run> {
  const sessionId = await openSession(stageOf.api, stageOf.courseId, stageOf.teacher);
  const seats = [stageOf.teacher.token, ...stageOf.learners.slice(0, size - 1)].map((token, i) => ({
    url: urls[i % urls.length],
    token,
    chats: i % 10 === 0,
  }));
  const pids = Object.fromEntries(Object.entries(nodes.children).map(([id, c]) => [id, c.pid!]));
  const peak: Record<string, number> = {};
  const alive = (id: string) =>
    nodes.children[id].exitCode === null && !nodes.children[id].signalCode;
  const sample = setInterval(() => {
    for (const [id, pid] of Object.entries(pids))
      if (alive(id)) peak[id] = Math.max(peak[id] ?? 0, rssMb(pid));
  }, 250);
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([id, pid]) => [id, cpuMs(pid)]));
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: WORKERS }, (_, worker) =>
      inWorker({
        seats: seats.filter((_, i) => i % WORKERS === worker),
        sessionId,
        seconds: SECONDS,
        chatEveryMs: CHAT_EVERY_MS,
        worker,
      }),
    ),
  );
  const wall = Date.now() - started;
  clearInterval(sample);
  for (const [id, child] of Object.entries(nodes.children))
    if (!alive(id)) throw new Error(`${id} died: ${child.exitCode ?? child.signalCode}`);
  const slowest: Record<string, number> = {};
  for (const result of results)
    for (const [id, late] of Object.entries(result.slowest))
      slowest[id] = Math.max(slowest[id] ?? 0, late);
  const lates = Object.values(slowest).sort((a, b) => a - b);
  return {
    p50: quantile(lates, 0.5),
    p99: quantile(lates, 0.99),
    messages: lates.length,
    nodes: Object.fromEntries(
      Object.entries(pids).map(([id, pid]) => [
        id,
        { cpu: (cpuMs(pid) - cpuBefore[id]) / wall, rss: peak[id] },
      ]),
    ),
  };
}

function inWorker(share: ClientShare): Promise<ShareResult> {
  const file = path.join(__dirname, "classroom-clients.ts");
  const worker = new Worker(`require("tsx/cjs"); require(${JSON.stringify(file)});`, {
    eval: true,
    workerData: share,
  });
  return new Promise((resolve, reject) => {
    worker.once("message", (result: ShareResult & { error?: string }) =>
      result.error ? reject(new Error(result.error)) : resolve(result),
    );
    worker.once("error", reject);
  });
}

function report(name: string, runs: Run[]): void {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    `${name}: fan-out p50 ${ms(median(runs.map((r) => r.p50)))}, p99 ${ms(median(runs.map((r) => r.p99)))} ` +
      `(${median(runs.map((r) => r.messages))} messages a run; rounds' p99: ${runs.map((r) => r.p99.toFixed(1)).join(", ")})`,
  );
  for (const id of Object.keys(runs[0].nodes))
    console.log(
      `    ${id}: CPU ${(100 * median(runs.map((r) => r.nodes[id].cpu))).toFixed(0)} % of a core, ` +
        `peak RSS ${median(runs.map((r) => r.nodes[id].rss))} MB`,
    );
}

async function main() {
  if (!postgresAvailable()) throw new Error("PostgreSQL is needed");
  const [nats, redis, database] = await Promise.all([startNats(), startRedis(), createDatabase()]);
  const shared = { TRANSPORTER: nats.url, REDIS_URL: redis.url, DB_URI: database.uri };
  const cluster = await startNodes(
    {
      "gateway-1": { ...shared, SERVICES: "api", PORT: "3970" },
      "gateway-2": { ...shared, SERVICES: "api", PORT: "3971" },
      "core-1": { ...shared, SERVICES: "@core,@orders,@catalog,@consumers" },
    },
    ROOM_SETTINGS,
  );
  console.log("cluster up: gateway-1, gateway-2, core-1");
  // Its own metrics port: startNodes numbers from the same first port on every call.
  const single = await startNodes(
    { embedded: { PORT: "3972", METRICS_PORT: "3990" } },
    ROOM_SETTINGS,
  ).catch(async (err) => {
    await cluster.stop();
    throw err;
  });
  console.log("single node up");
  try {
    const gateways = ["http://127.0.0.1:3970", "http://127.0.0.1:3971"];
    await adminToken(gateways[1]);
    const largest = Math.max(PARTICIPANTS, ...SIZES);
    const [clusterStage, singleStage] = [
      await stage(gateways[0], PARTICIPANTS - 1),
      await stage(single.base, largest - 1),
    ];
    console.log(`staged: ${PARTICIPANTS} and ${largest} participants enrolled`);
    const clusterRuns: Run[] = [];
    const singleRuns = new Map<number, Run[]>(SIZES.map((size) => [size, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      clusterRuns.push(await session(clusterStage, PARTICIPANTS, gateways, cluster));
      for (const size of SIZES)
        singleRuns.get(size)!.push(await session(singleStage, size, [single.base], single));
      console.log(`round ${round}/${ROUNDS} done`);
    }
    console.log(
      `\nOne live session, ${SECONDS} s a run, the instructor and 10 % of learners chatting every ${CHAT_EVERY_MS / 1000} s, ${ROUNDS} rounds (medians)`,
    );
    report(
      `${PARTICIPANTS} participants over 2 gateway nodes (NATS, Redis, PostgreSQL)`,
      clusterRuns,
    );
    for (const [size, runs] of singleRuns)
      report(`${size} participants on one node (embedded)`, runs);
    const carried = SIZES.filter((size) => median(singleRuns.get(size)!.map((r) => r.p99)) < 100);
    console.log(
      `Largest session one node carried with p99 under 100 ms: ${Math.max(0, ...carried)}`,
    );
  } finally {
    await Promise.all([cluster.stop(), single.stop()]);
    await Promise.all([nats.stop(), redis.stop()]);
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
