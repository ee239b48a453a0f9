import { assertFieldPath, type Filter, type FindOptions } from "./repository";
import { whereSql, type SqlDialect } from "./sql-filter";

/**
 * The repository's filter subset as SQLite SQL over `(id TEXT, doc TEXT)` rows holding JSON, with
 * the same meaning as the PostgreSQL translation (postgres-sql.ts): equality also matches a list
 * holding the value, a comparison matches only values of the operand's type, `$ne`/`$nin` match
 * missing fields, strings compare byte-wise (SQLite's BINARY collation on UTF-8).
 *
 * Fields with an index of their own are compared with the very expression the index is built on
 * (`json_extract(doc, '$."f"')`), so SQLite reads the index; a declared list field (`list: true`)
 * is searched through a table of its text elements, kept by triggers (sqlite.store.ts).
 */
export class SqliteParams {
  readonly values: unknown[] = [];

  constructor(
    /** Fields whose equality is a scalar comparison on their index's expression. */
    readonly scalarIndexed: ReadonlySet<string> = new Set(),
    /** List fields whose text elements are kept in a table of their own (`value`, `id`). */
    readonly elementTables: ReadonlyMap<string, string> = new Map(),
  ) {}

  add(value: unknown): string {
    this.values.push(value);
    return "?";
  }
}

/** `$."a"."b-c"`: every segment quoted, so `-` and digits are plain keys. */
export function jsonPath(field: string): string {
  return `'$.${assertFieldPath(field)
    .map((s) => `"${s}"`)
    .join(".")}'`;
}

/** The expression an index on a field is built on, and that equality and ranges compare. */
export const valueAt = (field: string) => `json_extract(doc, ${jsonPath(field)})`;
const typeAt = (field: string) => `json_type(doc, ${jsonPath(field)})`;

/** The JSON type SQLite reports for a scalar, so `1` never equals `"1"` or `true`. */
function jsonTypeOf(value: unknown): string[] {
  if (typeof value === "string") return ["text"];
  if (typeof value === "boolean") return [value ? "true" : "false"];
  if (typeof value === "number") return Number.isInteger(value) ? ["integer", "real"] : ["real"];
  return [];
}

function sqlValue(value: unknown): unknown {
  return typeof value === "boolean" ? Number(value) : value;
}

function scalarEquals(field: string, value: unknown, p: SqliteParams): string {
  const types = jsonTypeOf(value)
    .map((t) => `'${t}'`)
    .join(", ");
  return `(${valueAt(field)} = ${p.add(sqlValue(value))} AND ${typeAt(field)} IN (${types}))`;
}

function equals(field: string, value: unknown, p: SqliteParams): string {
  if (field === "id") return `id = ${p.add(String(value))}`;
  if (value === null) return `(${typeAt(field)} IS NULL OR ${typeAt(field)} = 'null')`;
  if (typeof value === "object")
    return `(${typeAt(field)} IN ('object', 'array') AND json(${valueAt(field)}) = json(${p.add(JSON.stringify(value))}))`;
  if (p.scalarIndexed.has(field)) return scalarEquals(field, value, p);
  const elements = p.elementTables.get(field);
  // Both sides of the OR read an index: the field's own expression, and its elements' table.
  if (elements && typeof value === "string")
    return `(${scalarEquals(field, value, p)} OR id IN (SELECT id FROM "${elements}" WHERE value = ${p.add(value)}))`;
  const types = jsonTypeOf(value)
    .map((t) => `'${t}'`)
    .join(", ");
  const inList =
    `EXISTS (SELECT 1 FROM json_each(doc, ${jsonPath(field)}) e ` +
    `WHERE ${typeAt(field)} = 'array' AND e.value = ${p.add(sqlValue(value))} AND e.type IN (${types}))`;
  return `(${scalarEquals(field, value, p)} OR ${inList})`;
}

const COMPARATORS: Record<string, string> = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

function compare(field: string, op: string, value: unknown, p: SqliteParams): string {
  const sqlOp = COMPARATORS[op];
  if (field === "id") return `id ${sqlOp} ${p.add(String(value))}`;
  if (typeof value === "number")
    return `(${typeAt(field)} IN ('integer', 'real') AND ${valueAt(field)} ${sqlOp} ${p.add(value)})`;
  if (typeof value === "string")
    return `(${typeAt(field)} = 'text' AND ${valueAt(field)} ${sqlOp} ${p.add(value)})`;
  throw new Error(`${op} needs a number or a string`);
}

const SQLITE: SqlDialect<SqliteParams> = {
  equals,
  compare,
  exists: (field, present) => `${typeAt(field)} IS ${present ? "NOT " : ""}NULL`,
  TRUE: "1",
  FALSE: "0",
  fewListLengths: true,
};

export function sqliteWhere(filter: Filter, p: SqliteParams): string {
  return whereSql(SQLITE, filter, p);
}

/**
 * SQLite orders NULL, then numbers, then text: missing values first when ascending and last
 * when descending, numbers by value, strings byte-wise, as the other stores do.
 */
export function sqliteOrder(sort: FindOptions["sort"]): string {
  const parts = Object.entries(sort ?? {}).map(([field, order]) => {
    const expression = field === "id" ? "id" : valueAt(field);
    return `${expression} ${order === 1 ? "ASC" : "DESC"}`;
  });
  return parts.length ? `ORDER BY ${parts.join(", ")}` : "";
}
