import Database from "better-sqlite3";
import { LRUCache } from "lru-cache";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { applyUpdateInPlace } from "./apply-update";
import { lockDataDir } from "./data-dir-lock";
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
import { jsonPath, SqliteParams, sqliteOrder, sqliteWhere, valueAt } from "./sqlite-sql";

type Row = { id: string; doc: string };
type Json = Record<string, unknown>;

function toRow(doc: Json): { id: string; doc: string } {
  const { id, ...rest } = doc;
  return { id: String(id), doc: JSON.stringify(rest) };
}

function fromRow<T extends Doc>(row: Row | undefined): T | null {
  return row ? ({ id: row.id, ...(JSON.parse(row.doc) as Json) } as T) : null;
}

/**
 * Prepared statements kept by their text: preparing one costs more than running it (a profile's
 * fold spent an eighth of its time preparing the same few statements). Bounded, least used
 * first out, since a list filter (`id IN (?, ?, …)`) makes a text for each length.
 */
class StatementCache {
  private readonly kept = new LRUCache<string, Database.Statement>({ max: 500 });

  constructor(private readonly db: Database.Database) {
    const run = db.transaction((work: () => unknown) => work());
    this.inTransaction = <R>(work: () => R) => run(work) as R;
  }

  /** Runs `work` in a transaction (or a savepoint, inside one): one wrapper for every call. */
  readonly inTransaction: <R>(work: () => R) => R;

  get(sql: string): Database.Statement {
    let statement = this.kept.get(sql);
    if (!statement) this.kept.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}

function elementTableOf(collection: string, index: IndexSpec): string {
  return indexName(collection, index, "elements");
}

/**
 * A list field's text elements as rows `(value, id)`, so "the list holds this value" reads an
 * index instead of every document. Triggers keep them with the documents through every write
 * path, and a table made for data already there is filled from it once. An update rewrites
 * them only when the list changed: a product's stock moves on every order, its terms do not.
 */
function createElementTable(db: Database.Database, collection: string, index: IndexSpec): void {
  const elements = elementTableOf(collection, index);
  const at = jsonPath(index.fields[0]);
  const fresh = !db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(elements);
  const rowsOf = (doc: string, id: string) =>
    `SELECT e.value, ${id} FROM json_each(${doc}, ${at}) e ` +
    `WHERE json_type(${doc}, ${at}) = 'array' AND e.type = 'text'`;
  db.exec(`
    CREATE TABLE IF NOT EXISTS "${elements}" (value TEXT NOT NULL, id TEXT NOT NULL,
      PRIMARY KEY (value, id)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS "${elements}__id" ON "${elements}" (id);
    CREATE TRIGGER IF NOT EXISTS "${elements}__insert" AFTER INSERT ON "${collection}" BEGIN
      INSERT OR IGNORE INTO "${elements}" ${rowsOf("NEW.doc", "NEW.id")};
    END;
    DROP TRIGGER IF EXISTS "${elements}__update";
    CREATE TRIGGER "${elements}__update" AFTER UPDATE ON "${collection}"
    WHEN json_extract(OLD.doc, ${at}) IS NOT json_extract(NEW.doc, ${at}) BEGIN
      DELETE FROM "${elements}" WHERE id = OLD.id;
      INSERT OR IGNORE INTO "${elements}" ${rowsOf("NEW.doc", "NEW.id")};
    END;
    CREATE TRIGGER IF NOT EXISTS "${elements}__delete" AFTER DELETE ON "${collection}" BEGIN
      DELETE FROM "${elements}" WHERE id = OLD.id;
    END;`);
  if (fresh)
    db.exec(
      `INSERT OR IGNORE INTO "${elements}" SELECT e.value, c.id FROM "${collection}" c, ` +
        `json_each(c.doc, ${at}) e WHERE json_type(c.doc, ${at}) = 'array' AND e.type = 'text'`,
    );
}

/**
 * One SQLite table a collection, in one database file under DATA_DIR, documents as JSON text:
 * the PostgreSQL store's shape. Every call runs to its end before another starts (better-sqlite3
 * is synchronous), and an update reads, applies and writes inside one transaction, so a guarded
 * `$inc` is atomic. Indexes are on the expressions queries compare, so a lookup reads an index
 * range whatever the table holds.
 */
class SqliteRepository<T extends Doc> implements Repository<T> {
  private readonly scalarIndexed: ReadonlySet<string>;
  private readonly elementTables: ReadonlyMap<string, string>;

  constructor(
    private readonly statements: StatementCache,
    private readonly table: string,
    private readonly indexes: IndexSpec[],
  ) {
    // An index's leading field is compared as a scalar: `(active, createdAt)` serves `active`.
    this.scalarIndexed = new Set(indexes.filter((i) => !i.list).map((i) => i.fields[0]));
    this.elementTables = new Map(
      indexes
        .filter((i) => i.list && !i.unique)
        .map((i) => [i.fields[0], elementTableOf(table, i)]),
    );
  }

  private params(): SqliteParams {
    return new SqliteParams(this.scalarIndexed, this.elementTables);
  }

  /** A unique violation becomes the 409 its index declares. */
  private guarded<R>(run: () => R): R {
    try {
      return run();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        const index = this.indexes.find(
          (i) => i.unique && e.message?.includes(indexName(this.table, i)),
        );
        throw duplicateKeyError(index);
      }
      throw err;
    }
  }

  private select(filter: Filter, options: FindOptions = {}): Row[] {
    const p = this.params();
    const sql = [
      `SELECT id, doc FROM "${this.table}" WHERE ${sqliteWhere(filter, p)}`,
      sqliteOrder(options.sort),
      options.limit !== undefined ? `LIMIT ${Number(options.limit)}` : "LIMIT -1",
      options.skip ? `OFFSET ${Number(options.skip)}` : "",
    ].join(" ");
    return this.statements.get(sql).all(...(p.values as unknown[])) as Row[];
  }

  private write(doc: Json): Row {
    const row = toRow(doc);
    this.statements.get(`UPDATE "${this.table}" SET doc = ? WHERE id = ?`).run(row.doc, row.id);
    return row;
  }

  /** The rows as written: each parsed, updated in place and written back, in one transaction. */
  private updateRows(filter: Filter, update: Update, limit?: number): Row[] {
    return this.guarded(() =>
      this.statements.inTransaction(() =>
        this.select(filter, limit === undefined ? {} : { limit }).map((row) =>
          this.write(applyUpdateInPlace(fromRow<T>(row)!, update)),
        ),
      ),
    );
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const full = { ...doc, id: doc.id ?? randomUUID() } as T;
    const row = toRow(full);
    this.guarded(() =>
      this.statements
        .get(`INSERT INTO "${this.table}" (id, doc) VALUES (?, ?)`)
        .run(row.id, row.doc),
    );
    return full;
  }

  async findById(id: string): Promise<T | null> {
    const row = this.statements.get(`SELECT id, doc FROM "${this.table}" WHERE id = ?`).get(id);
    return fromRow<T>(row as Row | undefined);
  }

  async findOne(filter: Filter): Promise<T | null> {
    return fromRow<T>(this.select(filter, { limit: 1 })[0]);
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.select(filter, options).map((row) => fromRow<T>(row)!);
  }

  async count(filter: Filter): Promise<number> {
    const p = this.params();
    const sql = `SELECT count(*) AS n FROM "${this.table}" WHERE ${sqliteWhere(filter, p)}`;
    return (this.statements.get(sql).get(...(p.values as unknown[])) as { n: number }).n;
  }

  async updateOne(filter: Filter, update: Update): Promise<number> {
    return this.updateRows(filter, update, 1).length;
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    return this.updateRows(filter, update).length;
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<T | null> {
    return fromRow<T>(this.updateRows(filter, update, 1)[0]);
  }

  async upsert(filter: Filter, update: Update): Promise<{ inserted: boolean }> {
    return this.guarded(() =>
      this.statements.inTransaction(() => {
        const [row] = this.select(filter, { limit: 1 });
        if (row) {
          this.write(applyUpdateInPlace(fromRow<T>(row)!, update));
          return { inserted: false };
        }
        const seed = equalityFields(filter);
        const doc = applyUpdateInPlace({ ...seed, id: String(seed.id ?? randomUUID()) }, update);
        const fresh = toRow(doc);
        this.statements
          .get(`INSERT INTO "${this.table}" (id, doc) VALUES (?, ?)`)
          .run(fresh.id, fresh.doc);
        return { inserted: true };
      }),
    );
  }

  async replaceEach(replacements: Replacement<T>[]): Promise<boolean[]> {
    return this.guarded(() =>
      this.statements.inTransaction(() =>
        replacements.map(({ filter, doc }) => {
          const p = this.params();
          const row = toRow(doc);
          const sql = `UPDATE "${this.table}" SET doc = ? WHERE ${sqliteWhere(filter, p)}`;
          return this.statements.get(sql).run(row.doc, ...(p.values as unknown[])).changes > 0;
        }),
      ),
    );
  }

  async deleteOne(filter: Filter): Promise<number> {
    const p = this.params();
    const sql = `DELETE FROM "${this.table}" WHERE id IN (SELECT id FROM "${this.table}" WHERE ${sqliteWhere(filter, p)} LIMIT 1)`;
    return this.statements.get(sql).run(...(p.values as unknown[])).changes;
  }

  async deleteMany(filter: Filter): Promise<number> {
    const p = this.params();
    const sql = `DELETE FROM "${this.table}" WHERE ${sqliteWhere(filter, p)}`;
    return this.statements.get(sql).run(...(p.values as unknown[])).changes;
  }
}

/**
 * The embedded store on SQLite (`DB_URI=sqlite:`): one file, `DATA_DIR/bazaar.sqlite`, in WAL
 * mode, so a reader never waits for the writer and a commit is one append.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements: StatementCache;
  private readonly unlock: () => void;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.unlock = lockDataDir(dir);
    this.db = new Database(path.join(dir, "bazaar.sqlite"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.statements = new StatementCache(this.db);
  }

  async refuseChanges(collection: string): Promise<void> {
    assertTableName(collection);
    for (const [op, suffix] of [
      ["UPDATE", "nu"],
      ["DELETE", "nd"],
    ])
      this.db.exec(
        `CREATE TRIGGER IF NOT EXISTS "${collection}__${suffix}" BEFORE ${op} ON "${collection}" ` +
          `BEGIN SELECT RAISE(ABORT, '${collection} is append-only'); END`,
      );
  }

  async repository<T extends Doc>(collection: string, indexes: IndexSpec[]) {
    assertTableName(collection);
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS "${collection}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`,
    );
    for (const index of indexes) {
      const fields = index.fields.filter((f) => f !== "id");
      if (fields.length === 0) continue;
      if (index.list && !index.unique) {
        this.db.transaction(() => createElementTable(this.db, collection, index))();
        // A scalar in the field is matched by equality too: its own expression index.
        this.db.exec(
          `CREATE INDEX IF NOT EXISTS "${indexName(collection, index, "i")}" ON "${collection}" (${valueAt(fields[0])})`,
        );
        continue;
      }
      this.db.exec(
        `CREATE ${index.unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS "${indexName(collection, index, index.unique ? "u" : "i")}" ` +
          `ON "${collection}" (${fields.map(valueAt).join(", ")})`,
      );
    }
    return new SqliteRepository<T>(this.statements, collection, indexes);
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  /** A call that reaches the store after it closed (a node shutting down): unavailable, 503. */
  isOutage(): boolean {
    return !this.db.open;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.db.close();
    this.unlock();
  }
}
