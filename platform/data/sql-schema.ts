import type { IndexSpec } from "./repository";

/**
 * Names in a SQL store's schema, the same for every SQL store: a collection is a table, and an
 * index is named after its table and fields, with a suffix for its kind.
 */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/** Collections are named by the code, never by a request; an odd name is a programming error. */
export function assertTableName(collection: string): void {
  if (!TABLE_NAME.test(collection)) throw new Error(`Bad collection name "${collection}"`);
}

/** `<table>__<fields>__<suffix>`: `u` unique, `i` plain, `n` and `s` a range on numbers or strings. */
export function indexName(table: string, index: IndexSpec, suffix = "u"): string {
  const name = `${table}__${index.fields.join("__").replace(/[^a-z0-9_]/gi, "_")}`;
  return `${name.slice(0, 60)}__${suffix}`;
}
