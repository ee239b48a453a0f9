import path from "node:path";
import runner from "node-pg-migrate";
import pg from "pg";

/**
 * PostgreSQL's schema, changed by versioned migrations (node-pg-migrate, SQL files in
 * `migrations/`). Several nodes starting at once queue on one advisory lock: the first applies
 * what is pending, the others find nothing left to do.
 */
export const MIGRATIONS_DIR = path.join(__dirname, "..", "..", "migrations");
export const MIGRATIONS_TABLE = "bazaar_migrations";
const LOCK = "SELECT pg_advisory_lock(hashtext('bazaar-migrations'))";
const UNLOCK = "SELECT pg_advisory_unlock(hashtext('bazaar-migrations'))";

/** Applies the pending migrations (at most `count`); answers the names of those it applied. */
export async function migrate(
  uri: string,
  options: { count?: number; log?: (line: string) => void } = {},
): Promise<string[]> {
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(LOCK);
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: "up",
      migrationsTable: MIGRATIONS_TABLE,
      count: options.count ?? Infinity,
      noLock: true,
      checkOrder: true,
      // The schema snapshot the next migration is written from lives beside them.
      ignorePattern: "\\..*|.*\\.json",
      singleTransaction: true,
      verbose: false,
      log: options.log ?? (() => undefined),
    });
    return applied.map((migration) => migration.name);
  } finally {
    await client.query(UNLOCK).catch(() => undefined);
    await client.end();
  }
}
