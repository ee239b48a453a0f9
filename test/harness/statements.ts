import Database from "better-sqlite3";
import pg from "pg";

/** A statement a store sent, with the values of its first use. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/** Reads and writes that pick rows; DDL, inserts, locks and pings pick none. */
const PICKS_ROWS = /^\s*(SELECT|UPDATE|DELETE|WITH)\b[\s\S]*\b(FROM|WHERE)\b/i;
const NOT_A_QUERY = /pg_advisory|pg_catalog|information_schema|sqlite_master|^\s*SELECT 1\s*$/i;

/**
 * Records every distinct statement the SQLite and PostgreSQL drivers are given in this
 * process, by watching the drivers' own entry points (nothing is changed in what they run).
 * Returns the record and a function that stops watching.
 */
export function watchStatements(): { statements: Map<string, Statement>; stop(): void } {
  const statements = new Map<string, Statement>();
  const note = (sql: unknown, values: unknown) => {
    if (typeof sql !== "string" || !PICKS_ROWS.test(sql) || NOT_A_QUERY.test(sql)) return;
    if (!statements.has(sql))
      statements.set(sql, { sql, values: Array.isArray(values) ? [...values] : [] });
  };

  const sqlitePrepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    const statement = sqlitePrepare.call(this, sql);
    for (const run of ["all", "get", "run", "iterate"] as const) {
      const original = statement[run] as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[run] = (...args: unknown[]) => {
        note(sql, args);
        return original.apply(statement, args);
      };
    }
    return statement;
  } as typeof sqlitePrepare;

  const pgQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first, second] = args as [unknown, unknown];
    if (typeof first === "string") note(first, second);
    else if (first && typeof first === "object")
      note((first as { text?: string }).text, (first as { values?: unknown[] }).values);
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pgQuery;

  return {
    statements,
    stop() {
      Database.prototype.prepare = sqlitePrepare;
      pg.Client.prototype.query = pgQuery;
    },
  };
}

/** What reads more than an index range, in SQLite's query plan: a scan of a whole table or index. */
export async function sqliteScans(file: string, statement: Statement): Promise<string[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
      .all(...(statement.values as unknown[])) as { detail: string }[];
    // json_each walks one document's list, not a table.
    return plan
      .map((step) => step.detail)
      .filter((detail) => /^SCAN /.test(detail) && !/VIRTUAL TABLE/.test(detail));
  } finally {
    db.close();
  }
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

/** Sequential scans of tables holding more than `minRows` rows, in PostgreSQL's plan. */
export async function postgresScans(
  uri: string,
  statement: Statement,
  minRows: number,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.values);
    const scanned: string[] = [];
    const walk = (node: PlanNode) => {
      if (node["Node Type"] === "Seq Scan" && node["Relation Name"])
        scanned.push(node["Relation Name"]);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk((rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan);
    const large: string[] = [];
    for (const table of scanned) {
      const { rows: size } = await client.query<{ n: number }>(
        "SELECT reltuples::bigint AS n FROM pg_class WHERE relname = $1",
        [table],
      );
      if (Number(size[0]?.n ?? 0) > minRows) large.push(`Seq Scan on ${table} (${size[0].n} rows)`);
    }
    return large;
  } finally {
    await client.end();
  }
}
