import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import pg from "pg";

/**
 * A fresh PostgreSQL database for one test run, on the server the machine runs, dropped
 * afterwards, so runs never share state. `PG_ADMIN_URL` names a role that may create
 * databases (default: postgres on 127.0.0.1:5432).
 */
const ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function postgresAvailable(): boolean {
  const url = new URL(ADMIN_URL);
  const ready = spawnSync("pg_isready", ["-h", url.hostname, "-p", url.port || "5432", "-t", "3"]);
  if (ready.status === 0) return true;
  const message = `PostgreSQL is not answering at ${url.hostname}:${url.port || 5432}`;
  if (process.env.CI === "true") throw new Error(`CI needs ${message}`);
  // eslint-disable-next-line no-console
  console.warn(`\n*** SKIPPING PostgreSQL tests: ${message} ***\n`);
  return false;
}

export interface TestDatabase {
  uri: string;
  drop(): Promise<void>;
  /** An outage of this database only: new connections refused, open ones cut. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(): Promise<TestDatabase> {
  const name = `bazaar_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const uri = new URL(ADMIN_URL);
  uri.pathname = `/${name}`;
  return {
    uri: uri.toString(),
    async suspend() {
      await asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await asAdmin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
      );
    },
    async resume() {
      await asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    },
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A store a node can be started on: its DB_URI (none: embedded), and how to drop it after. */
export type StoreCase = [
  name: string,
  open: () => Promise<{ env: Record<string, string>; drop(): Promise<void> }>,
];

/** The embedded store always, and a fresh PostgreSQL database where the server runs. */
export function embeddedAndPostgres(): StoreCase[] {
  const cases: StoreCase[] = [
    ["the embedded store", async () => ({ env: {}, drop: async () => undefined })],
  ];
  if (postgresAvailable())
    cases.push([
      "PostgreSQL",
      async () => {
        const database = await createDatabase();
        return { env: { DB_URI: database.uri }, drop: () => database.drop() };
      },
    ]);
  return cases;
}
