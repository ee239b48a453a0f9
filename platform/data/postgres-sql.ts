import type { Filter, FindOptions } from "./repository";
import { whereSql, type SqlDialect } from "./sql-filter";

/**
 * The repository's filter subset as SQL over `(id text, doc jsonb)` rows, with MongoDB's
 * meaning: equality also matches a list holding the value, a comparison only matches values
 * of the operand's type, `$ne`/`$nin` match missing fields, and strings compare byte-wise
 * (`COLLATE "C"`), so ISO times order as they do in the other stores whatever the locale.
 * Field names were checked by `assertFilter` (letters, digits, `_`, `-`, dots), so a path can
 * be written into the SQL as a literal.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /**
   * Fields leading a plain or unique index (`(doc #>> '{f}')`): equality on them with a string
   * or a boolean is written as that very expression, so the index answers it. Written as
   * containment, a lookup by idempotency key read 53,000 rows at 50k orders: the planner
   * expected many matches for `(doc @> … OR doc @> …) LIMIT 1` and scanned the table.
   */
  constructor(
    readonly scalarIndexed: ReadonlySet<string> = new Set(),
    /**
     * List fields with a GIN index of their own on `(doc #> '{f}')`: `@>` of a scalar there is
     * "equal to it, or a list holding it" in one condition that index answers, where the
     * whole-document GIN's estimate let the planner scan the table.
     */
    readonly listIndexed: ReadonlySet<string> = new Set(),
  ) {}

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const pathLiteral = (field: string) => `'{${field.split(".").join(",")}}'`;
const jsonAt = (field: string) => `(doc #> ${pathLiteral(field)})`;

/** `{a: {b: value}}` for the path `a.b`: the shape containment (`@>`) compares against. */
function nested(field: string, value: unknown): unknown {
  return field
    .split(".")
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value);
}

function equals(field: string, value: unknown, p: SqlParams): string {
  if (field === "id") return `id = ${p.add(String(value))}`;
  if ((typeof value === "string" || typeof value === "boolean") && p.scalarIndexed.has(field))
    return `((doc #>> ${pathLiteral(field)}) = ${p.add(String(value))} AND jsonb_typeof(${jsonAt(field)}) = '${typeof value}')`;
  if (value === null) return `(${jsonAt(field)} IS NULL OR ${jsonAt(field)} = 'null'::jsonb)`;
  if (typeof value === "object") return `${jsonAt(field)} = ${p.add(JSON.stringify(value))}::jsonb`;
  if (p.listIndexed.has(field)) return `${jsonAt(field)} @> ${p.add(JSON.stringify(value))}::jsonb`;
  const scalar = p.add(JSON.stringify(nested(field, value)));
  const inList = p.add(JSON.stringify(nested(field, [value])));
  return `(doc @> ${scalar}::jsonb OR doc @> ${inList}::jsonb)`;
}

const COMPARATORS: Record<string, string> = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

/** A field as a number, or NULL when it is not one: what numeric comparisons and indexes use. */
const numberAt = (field: string) =>
  `(CASE WHEN jsonb_typeof(${jsonAt(field)}) = 'number' THEN (doc #>> ${pathLiteral(field)})::numeric END)`;
/** A field as text, or NULL when it is not a string, compared byte-wise. */
const stringAt = (field: string) =>
  `((CASE WHEN jsonb_typeof(${jsonAt(field)}) = 'string' THEN doc #>> ${pathLiteral(field)} END) COLLATE "C")`;

function compare(field: string, op: string, value: unknown, p: SqlParams): string {
  const sqlOp = COMPARATORS[op];
  if (field === "id") return `id COLLATE "C" ${sqlOp} ${p.add(String(value))}`;
  if (typeof value === "number") return `${numberAt(field)} ${sqlOp} ${p.add(value)}`;
  if (typeof value === "string") return `${stringAt(field)} ${sqlOp} ${p.add(value)}`;
  throw new Error(`${op} needs a number or a string`);
}

/**
 * The expressions a plain index on a field is made of, the very ones comparisons use, so a
 * range query (`outboxPending > 0`, `nextAttemptAt <= now`) reads the index instead of every
 * row. Equality needs none: the GIN index answers containment.
 */
export function rangeIndexExpression(field: string, kind: "number" | "string"): string {
  return kind === "number" ? numberAt(field) : stringAt(field);
}

const POSTGRES: SqlDialect<SqlParams> = {
  equals,
  compare,
  exists: (field, present) => `${jsonAt(field)} IS ${present ? "NOT " : ""}NULL`,
  TRUE: "true",
  FALSE: "false",
};

export function whereOf(filter: Filter, p: SqlParams): string {
  return whereSql(POSTGRES, filter, p);
}

/**
 * Numbers by value, then strings byte-wise; missing values first when ascending, as MongoDB.
 * A field with a range index holds one kind (`range`), and sorts by that index's expression,
 * so a page of a sorted listing reads its rows from the index instead of sorting the table.
 */
export function orderOf(
  sort: FindOptions["sort"],
  rangeKinds: ReadonlyMap<string, "number" | "string"> = new Map(),
): string {
  const parts: string[] = [];
  for (const [field, order] of Object.entries(sort ?? {})) {
    const dir = order === 1 ? "ASC NULLS FIRST" : "DESC NULLS LAST";
    if (field === "id") {
      parts.push(`id COLLATE "C" ${order === 1 ? "ASC" : "DESC"}`);
      continue;
    }
    const kind = rangeKinds.get(field);
    if (kind) {
      parts.push(`${rangeIndexExpression(field, kind)} ${dir}`);
      continue;
    }
    const at = jsonAt(field);
    parts.push(
      `(CASE WHEN jsonb_typeof(${at}) = 'number' THEN (doc #>> ${pathLiteral(field)})::numeric END) ${dir}`,
    );
    parts.push(`(doc #>> ${pathLiteral(field)}) COLLATE "C" ${dir}`);
  }
  return parts.length ? `ORDER BY ${parts.join(", ")}` : "";
}

/** The expression a list field's own GIN index is built on. */
export const listIndexExpression = (field: string) => jsonAt(field);

/** The expression a unique index is built on, one per field. */
export function indexExpressions(fields: string[]): string {
  // Every walk by id is in byte order (`ORDER BY id COLLATE "C"`); an index must be too to serve it.
  return fields
    .map((f) => (f === "id" ? `id COLLATE "C"` : `(doc #>> ${pathLiteral(f)})`))
    .join(", ");
}

/**
 * `bazaar_apply_update(doc, update)`: the repository's update operators (`apply-update.ts`) in
 * the database, so an update is one `UPDATE … SET doc = bazaar_apply_update(doc, $u)`
 * statement. A row's lock is then held for one statement, not for a read, a round trip and a
 * write: a product every order reserves from stops being the queue every checkout waits in.
 * Same order and meaning as `applyUpdate`: `$set` makes missing parents, `$unset` of a missing
 * field does nothing, `$inc` starts from 0, `$push` starts a list; a wrong type is an error.
 */
export const APPLY_UPDATE_FUNCTION = `
CREATE OR REPLACE FUNCTION bazaar_apply_update(doc jsonb, upd jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  op text;
  item record;
  path text[];
  i int;
  cur jsonb;
BEGIN
  FOREACH op IN ARRAY ARRAY['$set', '$unset', '$inc', '$push'] LOOP
    FOR item IN SELECT key, value FROM jsonb_each(COALESCE(upd -> op, '{}'::jsonb)) LOOP
      path := string_to_array(item.key, '.');
      IF op = '$unset' THEN
        doc := doc #- path;
        CONTINUE;
      END IF;
      FOR i IN 1 .. array_length(path, 1) - 1 LOOP
        cur := doc #> path[1:i];
        IF cur IS NULL OR cur = 'null'::jsonb THEN
          doc := jsonb_set(doc, path[1:i], '{}'::jsonb);
        ELSIF jsonb_typeof(cur) <> 'object' THEN
          RAISE EXCEPTION 'Cannot reach into %: it is not a document', path[i];
        END IF;
      END LOOP;
      cur := doc #> path;
      IF cur = 'null'::jsonb THEN
        cur := NULL;
      END IF;
      IF op = '$set' THEN
        doc := jsonb_set(doc, path, item.value);
      ELSIF op = '$inc' THEN
        IF cur IS NOT NULL AND jsonb_typeof(cur) <> 'number' THEN
          RAISE EXCEPTION 'Cannot $inc %: it is not a number', item.key;
        END IF;
        doc := jsonb_set(doc, path, to_jsonb(COALESCE(cur::numeric, 0) + item.value::numeric));
      ELSE
        IF cur IS NOT NULL AND jsonb_typeof(cur) <> 'array' THEN
          RAISE EXCEPTION 'Cannot $push to %: it is not a list', item.key;
        END IF;
        doc := jsonb_set(doc, path, COALESCE(cur, '[]'::jsonb) || jsonb_build_array(item.value));
      END IF;
    END LOOP;
  END LOOP;
  RETURN doc;
END
$fn$;
`;
