import { isDuplicate } from "../actions/errors";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { applyUpdate, applyUpdateInPlace } from "./apply-update";
import { orderOf, SqlParams, whereOf } from "./postgres-sql";
import {
  appendOnlyStatement,
  appendOnlyTrigger,
  FUNCTION_STATEMENTS,
  indexStatements,
  tableStatement,
} from "./postgres-ddl";
import { migrate } from "./migrate";
import {
  duplicateKeyError,
  equalityFields,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type NewDoc,
  type Replacement,
  type Repository,
  type Store,
  type Update,
} from "./repository";
import { assertTableName, indexName } from "./sql-schema";

type Row = { id: string; doc: Record<string, unknown> };
type Queryable = Pick<pg.PoolClient, "query">;
const UNIQUE_VIOLATION = "23505";

const toDoc = <T extends Doc>(row: Row): T => ({ ...row.doc, id: row.id }) as T;
function fromDoc(doc: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = doc;
  return rest;
}

/**
 * Runs `work` in a transaction on a client of the pool. A client the server cut while we held it
 * (an outage, a restart) is destroyed, not pooled: every later query on it would fail.
 */
async function inTransaction<R>(
  pool: pg.Pool,
  work: (db: pg.PoolClient) => Promise<R>,
): Promise<R> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no listener of the pool's: cut between two queries, its 'error'
  // event would go uncaught and end the process.
  const cut = (err: Error) => (broken = err);
  client.on("error", cut);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackFailed: Error) => (broken ??= rollbackFailed));
    throw err;
  } finally {
    client.off("error", cut);
    client.release(broken);
  }
}

/**
 * Replacements joined in one statement at most. Each row finds its own filter by walking the
 * `CASE` list, so a statement's cost grows with the square of its size: 8,000 profiles written
 * 100 a statement took 0.91 of the time 1,000 a statement did, and 2.4 times less than one each.
 */
const REPLACEMENTS_A_STATEMENT = 100;

/**
 * Documents as JSONB rows, one table a collection: `(id text primary key, doc jsonb)`, a GIN
 * index for the equality filters and an expression index for each unique index. Updates are
 * one statement, applied in the database (`bazaar_apply_update`, postgres-sql.ts); an update
 * of one row not pinned by id, and an upsert, read the row under its lock, apply the update
 * (`apply-update.ts`) and write it back in one transaction.
 */
class PostgresRepository<T extends Doc> implements Repository<T> {
  private readonly scalarIndexed: ReadonlySet<string>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly indexes: IndexSpec[],
  ) {
    this.scalarIndexed = new Set(
      indexes.filter((i) => !i.list && !i.range).map((i) => i.fields[0]),
    );
    this.listIndexed = new Set(indexes.filter((i) => i.list && !i.unique).map((i) => i.fields[0]));
    this.rangeKinds = new Map(
      indexes.filter((i) => i.range && !i.unique).map((i) => [i.fields[0], i.range!]),
    );
  }

  private readonly rangeKinds: ReadonlyMap<string, "number" | "string">;
  private readonly listIndexed: ReadonlySet<string>;

  private params(): SqlParams {
    return new SqlParams(this.scalarIndexed, this.listIndexed);
  }

  private fail(err: unknown): never {
    const e = err as { code?: string; constraint?: string };
    if (e.code === UNIQUE_VIOLATION) {
      const index = this.indexes.find((i) => i.unique && indexName(this.table, i) === e.constraint);
      throw duplicateKeyError(index);
    }
    throw err;
  }

  private async select(
    filter: Filter,
    options: FindOptions & { lock?: boolean } = {},
    db: Queryable = this.pool,
  ) {
    const p = this.params();
    const sql = [
      `SELECT id, doc FROM "${this.table}" WHERE ${whereOf(filter, p)}`,
      orderOf(options.sort, this.rangeKinds),
      options.limit !== undefined ? `LIMIT ${Number(options.limit)}` : "",
      options.skip ? `OFFSET ${Number(options.skip)}` : "",
      options.lock ? "FOR UPDATE" : "",
    ].join(" ");
    return (await db.query<Row>(sql, p.values)).rows;
  }

  private async transaction<R>(work: (db: pg.PoolClient) => Promise<R>): Promise<R> {
    try {
      return await inTransaction(this.pool, work);
    } catch (err) {
      this.fail(err);
    }
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const id = doc.id ?? randomUUID();
    try {
      await this.pool.query(`INSERT INTO "${this.table}" (id, doc) VALUES ($1, $2)`, [
        id,
        fromDoc(doc),
      ]);
    } catch (err) {
      this.fail(err);
    }
    return { ...doc, id } as T;
  }

  async findById(id: string): Promise<T | null> {
    const [row] = await this.select({ id });
    return row ? toDoc<T>(row) : null;
  }

  async findOne(filter: Filter): Promise<T | null> {
    const [row] = await this.select(filter, { limit: 1 });
    return row ? toDoc<T>(row) : null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return (await this.select(filter, options)).map((r) => toDoc<T>(r));
  }

  async count(filter: Filter): Promise<number> {
    const p = this.params();
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${this.table}" WHERE ${whereOf(filter, p)}`,
      p.values,
    );
    return Number(rows[0].n);
  }

  /**
   * One statement: the filter and the update run together under the row's lock, and READ
   * COMMITTED re-checks the filter on a row another update changed first, so a guarded `$inc`
   * is an atomic reservation. Only an update of one row that the filter does not pin by id
   * needs the read-then-write transaction below, to pick that one row.
   */
  private async updateInPlace(filter: Filter, update: Update, returning: boolean) {
    const p = this.params();
    const changes = p.add(JSON.stringify(update));
    const sql =
      `UPDATE "${this.table}" SET doc = bazaar_apply_update(doc, ${changes}::jsonb) ` +
      `WHERE ${whereOf(filter, p)}${returning ? " RETURNING id, doc" : ""}`;
    try {
      return await this.pool.query<Row>(sql, p.values);
    } catch (err) {
      this.fail(err);
    }
  }

  private async updateRows(filter: Filter, update: Update, limit?: number): Promise<T[]> {
    return this.transaction(async (db) => {
      const rows = await this.select(filter, { limit, lock: true }, db);
      const updated: T[] = [];
      for (const row of rows) {
        // A copy: the documents are answered, and must not share values with the update.
        const doc = applyUpdate(row.doc, update);
        await db.query(`UPDATE "${this.table}" SET doc = $2 WHERE id = $1`, [row.id, doc]);
        updated.push(toDoc<T>({ id: row.id, doc }));
      }
      return updated;
    });
  }

  async updateOne(filter: Filter, update: Update): Promise<number> {
    if (!pinsOneRow(filter)) return (await this.updateRows(filter, update, 1)).length;
    return (await this.updateInPlace(filter, update, false)).rowCount ?? 0;
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    return (await this.updateInPlace(filter, update, false)).rowCount ?? 0;
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<T | null> {
    if (!pinsOneRow(filter)) return (await this.updateRows(filter, update, 1))[0] ?? null;
    const [row] = (await this.updateInPlace(filter, update, true)).rows;
    return row ? toDoc<T>(row) : null;
  }

  async upsert(filter: Filter, update: Update): Promise<{ inserted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transaction(async (db) => {
          const [row] = await this.select(filter, { limit: 1, lock: true }, db);
          if (row) {
            await db.query(`UPDATE "${this.table}" SET doc = $2 WHERE id = $1`, [
              row.id,
              applyUpdateInPlace(row.doc, update),
            ]);
            return { inserted: false };
          }
          const seed = equalityFields(filter);
          const id = typeof seed.id === "string" ? seed.id : randomUUID();
          const doc = applyUpdateInPlace(fromDoc(seed), update);
          await db.query(`INSERT INTO "${this.table}" (id, doc) VALUES ($1, $2)`, [id, doc]);
          return { inserted: true };
        });
      } catch (err) {
        // A twin upsert inserted first: now there is a row to update.
        if (attempt === 0 && isDuplicate(err)) continue;
        throw err;
      }
    }
  }

  /**
   * A statement for many replacements (a round trip each was most of a batch's time): the new
   * documents joined by id, each row kept to its own filter by its place in the list.
   */
  async replaceEach(replacements: Replacement<T>[]): Promise<boolean[]> {
    if (replacements.length === 0) return [];
    return this.transaction(async (db) => {
      const written = replacements.map(() => false);
      for (let from = 0; from < replacements.length; from += REPLACEMENTS_A_STATEMENT) {
        const part = replacements.slice(from, from + REPLACEMENTS_A_STATEMENT);
        const p = this.params();
        const rows = part.map(
          ({ doc }, i) =>
            `(${p.add(from + i)}::int, ${p.add(doc.id)}::text, ${p.add(JSON.stringify(fromDoc(doc)))}::jsonb)`,
        );
        const kept = part.map(({ filter }, i) => `WHEN ${from + i} THEN (${whereOf(filter, p)})`);
        const sql =
          `UPDATE "${this.table}" SET doc = v.newdoc FROM (VALUES ${rows.join(", ")}) ` +
          `AS v(place, vid, newdoc) WHERE id = v.vid AND CASE v.place ${kept.join(" ")} END ` +
          `RETURNING v.place`;
        for (const row of (await db.query<{ place: number }>(sql, p.values)).rows)
          written[row.place] = true;
      }
      return written;
    });
  }

  async deleteOne(filter: Filter): Promise<number> {
    const p = this.params();
    const { rowCount } = await this.pool.query(
      `DELETE FROM "${this.table}" WHERE id IN (SELECT id FROM "${this.table}" WHERE ${whereOf(filter, p)} LIMIT 1)`,
      p.values,
    );
    return rowCount ?? 0;
  }

  async deleteMany(filter: Filter): Promise<number> {
    const p = this.params();
    const { rowCount } = await this.pool.query(
      `DELETE FROM "${this.table}" WHERE ${whereOf(filter, p)}`,
      p.values,
    );
    return rowCount ?? 0;
  }
}

/** A filter on one id (the primary key) matches one row at most. */
function pinsOneRow(filter: Filter): boolean {
  return typeof filter.id === "string";
}

/**
 * How a store comes by its schema. `migrate` (a node, by default): it applies the pending
 * migrations, then checks each collection it opens is there with every index. `verify` (a node
 * when a Job migrates): it only checks. `create` (the store's own tests and benches, over
 * collections no migration knows): it creates what is missing.
 */
export type SchemaMode = "migrate" | "verify" | "create";

/** The database lacks what this code expects: its migrations are behind the code. */
function behind(what: string): Error {
  return new Error(
    `The database lacks ${what}: its migrations are behind this code (run npm run migrate, or start a node with DB_MIGRATE=on-start)`,
  );
}

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;

  constructor(
    private readonly uri: string,
    private readonly schemaMode: SchemaMode = "create",
  ) {
    this.pool = new pg.Pool({ connectionString: uri, max: 10, connectionTimeoutMillis: 5000 });
    // An idle client losing its server is reported here; the next query reconnects.
    this.pool.on("error", () => undefined);
  }

  /** The migrations, run once a store before its first collection opens. */
  private migrated?: Promise<unknown>;

  private schemaReady(): Promise<unknown> {
    if (this.schemaMode === "migrate")
      this.migrated ??= migrate(this.uri).catch((err: unknown) => {
        this.migrated = undefined;
        throw err;
      });
    if (this.schemaMode === "create") this.migrated ??= this.createFunctions();
    return this.migrated ?? Promise.resolve();
  }

  /** The functions every collection uses, made once a store; nodes starting together take turns. */
  private createFunctions(): Promise<void> {
    return inTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('bazaar-schema:functions'))");
      for (const statement of FUNCTION_STATEMENTS) await client.query(statement);
    });
  }

  async refuseChanges(collection: string): Promise<void> {
    assertTableName(collection);
    const trigger = appendOnlyTrigger(collection);
    if (this.schemaMode !== "create") {
      const held = await this.pool.query("SELECT 1 FROM pg_trigger WHERE tgname = $1", [trigger]);
      if (held.rowCount === 0) throw behind(`the append-only trigger of ${collection}`);
      return;
    }
    await inTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `bazaar-schema:${collection}`,
      ]);
      const held = await client.query("SELECT 1 FROM pg_trigger WHERE tgname = $1", [trigger]);
      if (held.rowCount === 0) await client.query(appendOnlyStatement(collection));
    });
  }

  async repository<T extends Doc>(collection: string, indexes: IndexSpec[]) {
    assertTableName(collection);
    await this.schemaReady();
    const wanted = indexStatements(collection, indexes);
    if (this.schemaMode !== "create") {
      const { rows } = await this.pool.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1",
        [collection],
      );
      if (rows.length === 0) throw behind(`the table ${collection}`);
      const held = new Set(rows.map((r) => r.indexname));
      const missing = wanted.filter(([name]) => !held.has(name)).map(([name]) => name);
      if (missing.length) throw behind(`the indexes ${missing.join(", ")}`);
      return new PostgresRepository<T>(this.pool, collection, indexes);
    }
    await inTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `bazaar-schema:${collection}`,
      ]);
      await client.query(tableStatement(collection));
      for (const [, statement] of wanted) await client.query(statement);
    });
    return new PostgresRepository<T>(this.pool, collection, indexes);
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  /**
   * Network errors, and the SQLSTATE classes of a server that is away: 08 (connection),
   * 57P (shut down, starting up), 53 (out of resources), 55000 (database not accepting
   * connections).
   */
  isOutage(err: unknown): boolean {
    // A call that reaches the store while the node shuts down: unavailable here, not a fault.
    if (this.closed) return true;
    const code = String((err as { code?: unknown })?.code ?? "");
    return (
      [
        "ECONNREFUSED",
        "ECONNRESET",
        "ETIMEDOUT",
        "EPIPE",
        "EHOSTUNREACH",
        "ENOTFOUND",
        "EAI_AGAIN",
        "55000",
      ].includes(code) ||
      code.startsWith("08") ||
      code.startsWith("57P") ||
      code.startsWith("53")
    );
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }
}
