/**
 * Checkout beside its peer: bench/peers/fastify-pg-checkout.mjs (Fastify + pg, one transaction
 * an order) against one embedded Bazaar node on SQLite and on PostgreSQL, the consumers running
 * as they do in the product, alternated round by round. For each run: confirmed orders a
 * second and p99 at CONNECTIONS, CPU an order (the server process, and PostgreSQL's processes),
 * committed PostgreSQL transactions an order (pg_stat_database), the writes an order by table
 * (pg_stat_user_tables: a table is one service's), and how long after the load stopped the last
 * outbox event was sent. Stock taken must equal confirmed orders on every side.
 *
 *   npm run bench:checkout-peers               # 3 rounds, 15 s a run, 50 connections
 *   ROUNDS=1 DURATION=5 npm run bench:checkout-peers
 */
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type autocannon from "autocannon";
import { signAccessToken } from "../platform/actions/jwt";
import { DURATION, load, loadCheckout, okPerSecond, startNodes } from "../test/harness/load";
import { createDatabase } from "../test/harness/postgres";
import { cpuMs } from "../test/harness/process-stats";
import { startPeer } from "./peer";
import { median } from "../test/harness/stats";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const STOCK = 10_000_000;
const SECRET = "bench-secret-".padEnd(48, "x");
const ORDER = {
  items: [{ productId: "prd_peer", quantity: 1 }],
  shippingAddress: { name: "B", line1: "1 Rd", city: "Town", postalCode: "1", country: "DE" },
  payment: { token: "tok_visa" },
};

interface Run {
  result: autocannon.Result;
  confirmed: number;
  taken: number;
  nodeCpuMs: number;
  pgCpuMs: number;
  transactions?: number;
  writesByTable?: Record<string, number>;
  drainedMs?: number;
}

/** CPU time of every PostgreSQL process on the machine, in ms. */
function postgresCpuMs(): number {
  const pids = execFileSync("pgrep", ["-x", "postgres"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map(Number);
  return pids.reduce((sum, pid) => {
    try {
      return sum + cpuMs(pid);
    } catch {
      return sum; // a backend that ended meanwhile
    }
  }, 0);
}

async function commits(db: pg.Client): Promise<number> {
  const { rows } = await db.query(
    "SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return Number(rows[0].n);
}

/** Committed transactions and writes by table, read after the statistics are flushed. */
async function pgCounts(db: pg.Client) {
  // An idle backend reports its counts within 10 s (PostgreSQL 15).
  await new Promise((r) => setTimeout(r, 11_000));
  const { rows } = await db.query(
    "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS writes FROM pg_stat_user_tables",
  );
  const writes = Object.fromEntries(rows.map((r) => [r.relname, Number(r.writes)]));
  return { transactions: await commits(db), writes };
}

async function untilDrained(pending: () => Promise<number>, from: number): Promise<number> {
  for (;;) {
    if ((await pending()) === 0) return Date.now() - from;
    if (Date.now() - from > 120_000) return NaN;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function peerRun(): Promise<Run> {
  const database = await createDatabase();
  const peer = await startPeer("fastify-pg-checkout.mjs", 3968, {
    DATABASE_URL: database.uri,
    JWT_SECRET: SECRET,
    PG_POOL: "10",
  });
  const db = new pg.Client({ connectionString: database.uri });
  await db.connect();
  try {
    await db.query(
      "INSERT INTO products (id, sku, name, price, currency, stock) VALUES ('prd_peer', 'PEER-1', 'Peer', 999, 'USD', $1)",
      [STOCK],
    );
    const token = signAccessToken({ id: "usr_peer", roles: ["customer"] }, SECRET, 3600);
    await db.query("SELECT pg_stat_reset()");
    const [cpu, pgCpu, tx] = [peer.cpuMs(), postgresCpuMs(), await commits(db)];
    const result = await load(CONNECTIONS, {
      url: `${peer.base}/api/v1/orders`,
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(ORDER),
    });
    const [nodeCpuMs, pgCpuMs] = [peer.cpuMs() - cpu, postgresCpuMs() - pgCpu];
    await new Promise((r) => setTimeout(r, 1000));
    const counts = await pgCounts(db);
    const { rows } = await db.query(
      "SELECT (SELECT count(*) FROM orders WHERE status = 'CONFIRMED') AS confirmed, " +
        "(SELECT stock FROM products WHERE id = 'prd_peer') AS stock",
    );
    return {
      result,
      confirmed: Number(rows[0].confirmed),
      taken: STOCK - Number(rows[0].stock),
      nodeCpuMs,
      pgCpuMs,
      transactions: counts.transactions - tx,
      writesByTable: counts.writes,
    };
  } finally {
    await db.end();
    await peer.stop();
    await database.drop();
  }
}

/** Documents with events not yet sent, over every table that holds documents. */
async function pendingInPostgres(db: pg.Client): Promise<number> {
  const { rows } = await db.query(
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'doc'",
  );
  let pending = 0;
  for (const { table_name } of rows)
    pending += Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM "${table_name}" WHERE coalesce((doc->>'outboxPending')::int, 0) > 0`,
        )
      ).rows[0].n,
    );
  return pending;
}

function pendingInSqlite(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%doc TEXT%'")
      .all() as { name: string }[];
    return tables.reduce(
      (sum, { name }) =>
        sum +
        (
          db
            .prepare(
              `SELECT count(*) AS n FROM "${name}" WHERE coalesce(json_extract(doc, '$.outboxPending'), 0) > 0`,
            )
            .get() as { n: number }
        ).n,
      0,
    );
  } finally {
    db.close();
  }
}

async function bazaarRun(store: "sqlite" | "postgres"): Promise<Run> {
  const database = store === "postgres" ? await createDatabase() : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-checkout-"));
  const nodes = await startNodes({
    embedded: {
      PORT: "3967",
      JWT_SECRET: SECRET,
      ...(database ? { DB_URI: database.uri } : { DB_URI: "sqlite:", DATA_DIR: dataDir }),
    },
  });
  const db = database ? new pg.Client({ connectionString: database.uri }) : undefined;
  await db?.connect();
  try {
    await db?.query("SELECT pg_stat_reset()");
    const [cpu, pgCpu, tx] = [nodes.cpuMs(), postgresCpuMs(), db ? await commits(db) : 0];
    const { result, outcome } = await loadCheckout(nodes.base, CONNECTIONS, STOCK);
    const stopped = Date.now();
    const sqliteFile = path.join(dataDir, "bazaar.sqlite");
    const drainedMs = await untilDrained(
      async () => (db ? pendingInPostgres(db) : pendingInSqlite(sqliteFile)),
      stopped,
    );
    const [nodeCpuMs, pgCpuMs] = [nodes.cpuMs() - cpu, postgresCpuMs() - pgCpu];
    const { taken, confirmed } = await outcome();
    const counts = db ? await pgCounts(db) : undefined;
    return {
      result,
      confirmed,
      taken,
      nodeCpuMs,
      pgCpuMs: db ? pgCpuMs : 0,
      drainedMs,
      ...(counts ? { transactions: counts.transactions - tx, writesByTable: counts.writes } : {}),
    };
  } finally {
    await db?.end();
    await nodes.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const sides: [string, () => Promise<Run>][] = [
    ["peer: Fastify + pg, one transaction", peerRun],
    ["Bazaar embedded, SQLite", () => bazaarRun("sqlite")],
    ["Bazaar embedded, PostgreSQL", () => bazaarRun("postgres")],
  ];
  const runs = new Map<string, Run[]>();
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, run] of sides) {
      const result = await run();
      runs.set(name, [...(runs.get(name) ?? []), result]);
      process.stdout.write(
        `round ${round + 1}: ${name}: ${Math.round(okPerSecond(result.result))} ok/s\n`,
      );
    }
  const peer = runs.get(sides[0][0])!;
  console.log(
    `\nPOST /api/v1/orders, ${CONNECTIONS} connections, ${DURATION} s a run, median of ${ROUNDS} rounds`,
  );
  for (const [name, list] of runs) {
    const perOrder = (f: (r: Run) => number) => median(list.map((r) => f(r) / r.confirmed));
    const ratio = median(list.map((r, i) => okPerSecond(r.result) / okPerSecond(peer[i].result)));
    const held = list.every((r) => r.taken === r.confirmed);
    console.log(
      `${name.padEnd(38)} ${Math.round(median(list.map((r) => okPerSecond(r.result))))} ok/s   ` +
        `p99 ${median(list.map((r) => r.result.latency.p99))} ms   ×peer ${ratio.toFixed(2)}   ` +
        `CPU/order ${perOrder((r) => r.nodeCpuMs).toFixed(2)} ms + PostgreSQL ${perOrder((r) => r.pgCpuMs).toFixed(2)} ms` +
        (list[0].transactions !== undefined
          ? `   ${perOrder((r) => r.transactions!).toFixed(1)} transactions/order`
          : "") +
        (list[0].drainedMs !== undefined
          ? `   outboxes empty ${median(list.map((r) => r.drainedMs!))} ms after the load`
          : "") +
        `   stock taken = confirmed: ${held}`,
    );
    const last = list[list.length - 1];
    if (last.writesByTable) {
      const writes = Object.entries(last.writesByTable)
        .filter(([, n]) => n / last.confirmed >= 0.05)
        .sort((a, b) => b[1] - a[1])
        .map(([table, n]) => `${table} ${(n / last.confirmed).toFixed(2)}`);
      console.log(`${"".padEnd(38)} rows written an order, by table: ${writes.join(", ")}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
