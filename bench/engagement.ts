/**
 * Profiles from the behaviour stream on one embedded node: batches of behaviour events about
 * many users go in through POST /api/v1/events (an API key with the events scope, as a shop's
 * backend sends them); the bench then waits until every event is folded into its user's
 * profile (each event adds one to its profile's hour-of-week counts) and reports events folded
 * a second, start to last fold, with the ingest rate beside it.
 *
 * `SPREAD=batch`: each batch is one user's, as a browser or app sends its own events (the
 * default); `SPREAD=event`: each batch mixes hundreds of users, as a shop's backend forwards
 * them, so a message touches that many profiles.
 *
 * `RATE=10000`: posts at that many events a second instead of as fast as it can, and reads the
 * profile lag gauge (`bazaar_engagement_profile_lag_seconds`, what the alert watches) every half
 * second: its median and worst while posting, and how long the profiles took to catch up.
 *
 *   npm run bench:engagement                       # 10 s of posting, 1,000 users, batches of 500
 *   SPREAD=event USERS=200 BATCH=100 DURATION=5 ROUNDS=3 npm run bench:engagement
 *   RATE=10000 DURATION=30 npm run bench:engagement
 *
 * `TRANSPORT=nats`: the node's channels are NATS JetStream (a server the bench starts), as in a
 * cluster: a post no longer waits for the fold, so a fold that falls behind shows as lag.
 * `STORE=postgres`: the node keeps its documents in PostgreSQL (a fresh database a round).
 */
import { client } from "../test/harness/http";
import { adminToken, startNodes } from "../test/harness/load";
import { createDatabase } from "../test/harness/postgres";
import { startNats, startRedis, type RunningServer } from "../test/harness/servers";
import { median } from "../test/harness/stats";

const USERS = Number(process.env.USERS ?? 1000);
const BATCH = Number(process.env.BATCH ?? 500);
const SECONDS = Number(process.env.DURATION ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 8);
const SPREAD = process.env.SPREAD === "event" ? "event" : "batch";
/** Events a second to post at; 0: as fast as the node takes them. */
const RATE = Number(process.env.RATE ?? 0);
const METRICS_PORT = 3976;
const NATS = process.env.TRANSPORT === "nats";
/** `STORE=postgres`: the node's documents in a fresh database a round on the local server. */
const POSTGRES = process.env.STORE === "postgres";

/** The profile lag gauge as the node exports it now, in seconds (undefined before any fold). */
async function profileLag(): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("bazaar_engagement_profile_lag_seconds"));
  return line ? Number(line.split(" ").at(-1)) : undefined;
}

interface Round {
  posted: number;
  postMs: number;
  foldMs: number;
  rss: number;
  /** Lag samples while posting. */
  lags: number[];
}

async function round(servers: RunningServer[]): Promise<Round> {
  const [nats, redis] = servers;
  const database = POSTGRES ? await createDatabase() : undefined;
  const node = await startNodes({
    embedded: {
      PORT: "3975",
      METRICS_PORT: String(METRICS_PORT),
      ...(nats ? { TRANSPORTER: nats.url, REDIS_URL: redis.url } : {}),
      ...(database ? { DB_URI: database.uri } : {}),
    },
  });
  try {
    const api = client(node.base);
    const admin = await adminToken(node.base);
    const products: string[] = [];
    for (let i = 0; i < 20; i++)
      products.push(
        (
          await api.post(
            "/api/v1/products",
            { sku: `ENG-${i}`, name: `Thing ${i}`, price: 100, category: `c${i % 5}`, stock: 1 },
            { token: admin },
          )
        ).body.id,
      );
    const key = (
      await api.post(
        "/api/v1/api-keys",
        { name: "feed", scopes: ["events", "forward"] },
        { token: admin },
      )
    ).body.key as string;
    let sequence = 0;
    let batches = 0;
    const batch = () => {
      const owner = batches++ % USERS;
      return Array.from({ length: BATCH }, () => {
        const i = sequence++;
        return {
          type: i % 7 === 0 ? "add_to_cart" : "product_view",
          userId: `u${SPREAD === "event" ? i % USERS : owner}`,
          productId: products[i % products.length],
          ts: new Date().toISOString(),
        };
      });
    };
    const started = Date.now();
    let posted = 0;
    const deadline = started + SECONDS * 1000;
    const lags: number[] = [];
    let posting = true;
    const sampling = (async () => {
      while (posting) {
        await new Promise((r) => setTimeout(r, 500));
        const lag = await profileLag();
        if (posting && lag !== undefined) lags.push(lag);
      }
    })();
    let scheduled = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (Date.now() < deadline) {
          if (RATE > 0) {
            // Each batch has its moment: a steady stream, not a burst each second.
            const due = started + ((scheduled++ * BATCH) / RATE) * 1000;
            if (due >= deadline) break;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          }
          const events = batch();
          const res = await api.post("/api/v1/events", events, { apiKey: key });
          if (res.status === 202) posted += events.length;
        }
      }),
    );
    const postMs = Date.now() - started;
    posting = false;
    await sampling;
    const folded = async () => {
      let sum = 0;
      for (let u = 0; u < USERS; u++) {
        const res = await api.get(`/api/v1/engagement/profiles/u${u}`, { token: admin });
        if (res.status === 200) sum += (res.body.activeHours as number[]).reduce((a, b) => a + b);
      }
      return sum;
    };
    for (;;) {
      const done = await folded();
      process.stdout.write(`  folded ${done} of ${posted}\n`);
      if (done >= posted) break;
      if (Date.now() - started > 600_000) throw new Error("profiles did not catch up in 10 min");
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { posted, postMs, foldMs: Date.now() - started, rss: node.rss().embedded, lags };
  } finally {
    await node.stop();
    await database?.drop();
  }
}

async function main() {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Fresh servers a round: a stream kept from the last round would be folded again.
    const servers = NATS ? await Promise.all([startNats(), startRedis()]) : [];
    try {
      runs.push(await round(servers));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    process.stdout.write(`round ${r + 1} done\n`);
  }
  const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
  console.log(
    `\n${USERS} users, batches of ${BATCH} (${SPREAD === "event" ? "users mixed in each" : "one user each"}), ${IN_FLIGHT} in flight, ${SECONDS} s of posting, channels ${NATS ? "on NATS JetStream" : "in process"}, store ${POSTGRES ? "PostgreSQL" : "SQLite"}; median of ${ROUNDS} rounds`,
  );
  if (RATE > 0)
    console.log(
      `paced at ${RATE} events/s: profile lag while posting median ${median(runs.map((r) => median(r.lags)))} s, worst ${median(runs.map((r) => Math.max(...r.lags)))} s; caught up ${median(runs.map((r) => (r.foldMs - r.postMs) / 1000))} s after the last post (medians of rounds)`,
    );
  console.log(
    `ingested ${median(runs.map((r) => rate(r.posted, r.postMs)))} events/s   folded into profiles ${median(runs.map((r) => rate(r.posted, r.foldMs)))} events/s (start to last fold)   events ${median(runs.map((r) => r.posted))}   RSS ${median(runs.map((r) => r.rss))} MB`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
