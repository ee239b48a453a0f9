import {
  APPLY_UPDATE_FUNCTION,
  indexExpressions,
  listIndexExpression,
  rangeIndexExpression,
} from "./postgres-sql";
import type { IndexSpec } from "./repository";
import { assertTableName, indexName } from "./sql-schema";

/**
 * The PostgreSQL schema of the document stores, as statements: what a collection with these
 * indexes needs, and the functions every collection uses. Migrations are written from these
 * (scripts/migrations.ts), so the schema the stores expect and the one migrated are one.
 */

export const REFUSE_CHANGE_FUNCTION =
  `CREATE OR REPLACE FUNCTION bazaar_refuse_change() RETURNS trigger LANGUAGE plpgsql AS ` +
  `$$ BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$`;

export const FUNCTION_STATEMENTS = [APPLY_UPDATE_FUNCTION.trim(), REFUSE_CHANGE_FUNCTION];

export const BLOB_PARTS_TABLE = `CREATE TABLE IF NOT EXISTS blob_parts (
  key text NOT NULL, part integer NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (key, part))`;

export const appendOnlyTrigger = (collection: string) => `${collection}__append_only`;

/** Each index of a collection: its name and the statement that makes it. */
export function indexStatements(collection: string, indexes: IndexSpec[]): [string, string][] {
  assertTableName(collection);
  const made: [string, string][] = [
    [
      `${collection}__doc`,
      `CREATE INDEX IF NOT EXISTS "${collection}__doc" ON "${collection}" USING gin (doc jsonb_path_ops)`,
    ],
  ];
  for (const index of indexes.filter((i) => i.range && !i.unique))
    for (const field of index.fields.filter((f) => f !== "id")) {
      const name = indexName(collection, { fields: [field] }, index.range![0]);
      // NULLS FIRST: read forwards it is the ascending sort, backwards the descending one.
      made.push([
        name,
        `CREATE INDEX IF NOT EXISTS "${name}" ON "${collection}" (${rangeIndexExpression(field, index.range!)} NULLS FIRST)`,
      ]);
    }
  for (const index of indexes.filter(
    (i) => i.unique && !(i.fields.length === 1 && i.fields[0] === "id"),
  )) {
    const name = indexName(collection, index);
    made.push([
      name,
      `CREATE UNIQUE INDEX IF NOT EXISTS "${name}" ON "${collection}" (${indexExpressions(index.fields)})`,
    ]);
  }
  for (const index of indexes.filter((i) => i.list && !i.unique)) {
    const name = indexName(collection, index, "l");
    made.push([
      name,
      `CREATE INDEX IF NOT EXISTS "${name}" ON "${collection}" USING gin (${listIndexExpression(index.fields[0])})`,
    ]);
  }
  // Plain indexes answer equality (`status`, `category`) from a B-tree, not the GIN's guess.
  for (const index of indexes.filter((i) => !i.unique && !i.range && !i.list)) {
    const name = indexName(collection, index, "i");
    made.push([
      name,
      `CREATE INDEX IF NOT EXISTS "${name}" ON "${collection}" (${indexExpressions(index.fields)})`,
    ]);
  }
  return made;
}

export function tableStatement(collection: string): string {
  assertTableName(collection);
  return `CREATE TABLE IF NOT EXISTS "${collection}" (id text PRIMARY KEY, doc jsonb NOT NULL)`;
}

export function appendOnlyStatement(collection: string): string {
  assertTableName(collection);
  return (
    `CREATE TRIGGER "${appendOnlyTrigger(collection)}" BEFORE UPDATE OR DELETE OR TRUNCATE ON "${collection}" ` +
    `FOR EACH STATEMENT EXECUTE FUNCTION bazaar_refuse_change()`
  );
}
