import { isOperatorObject, type Filter } from "./repository";

/**
 * What a SQL store says for each piece of the repository's filter subset. The walk over a
 * filter (`$or`, `$and`, operators, `$in` as ORs of equalities, `$ne` as a negated one) is the
 * same for every SQL store and lives here once; each dialect says how a field is compared.
 */
export interface SqlDialect<P> {
  equals(field: string, value: unknown, p: P): string;
  compare(field: string, op: "$gt" | "$gte" | "$lt" | "$lte", value: unknown, p: P): string;
  exists(field: string, present: boolean): string;
  readonly TRUE: string;
  readonly FALSE: string;
  /**
   * The store keeps prepared statements by their text: a list (`$in`, `$nin`) is padded to a
   * power of two with its last value, so its statement has one of a few texts, not one a length
   * (500 lengths of one lookup held 25 MB of statements). A repeated value changes no answer.
   */
  readonly fewListLengths?: boolean;
}

/**
 * `a OR b OR …` nested as a balanced tree: a flat chain of n terms is an expression n deep, and
 * SQLite refuses one deeper than 1,000 (a message about 1,000 users could not read their
 * profiles). Both stores flatten nested ORs again when they plan.
 */
function balancedOr(terms: string[]): string {
  if (terms.length <= 16) return `(${terms.join(" OR ")})`;
  const half = terms.length >> 1;
  return `(${balancedOr(terms.slice(0, half))} OR ${balancedOr(terms.slice(half))})`;
}

function padded<P>(d: SqlDialect<P>, values: unknown[]): unknown[] {
  if (!d.fewListLengths || values.length === 0) return values;
  const length = 2 ** Math.ceil(Math.log2(values.length));
  return [...values, ...Array(length - values.length).fill(values.at(-1))];
}

function operator<P>(d: SqlDialect<P>, field: string, op: string, operand: unknown, p: P): string {
  const anyOf = (values: unknown[]) =>
    balancedOr(padded(d, values).map((v) => d.equals(field, v, p)));
  switch (op) {
    case "$eq":
      return d.equals(field, operand, p);
    case "$ne":
      return `NOT COALESCE(${d.equals(field, operand, p)}, ${d.FALSE})`;
    case "$in": {
      const values = operand as unknown[];
      return values.length ? anyOf(values) : d.FALSE;
    }
    case "$nin": {
      const values = operand as unknown[];
      return values.length ? `NOT COALESCE(${anyOf(values)}, ${d.FALSE})` : d.TRUE;
    }
    case "$exists":
      if (field === "id") return operand ? d.TRUE : d.FALSE;
      return d.exists(field, Boolean(operand));
    default:
      return d.compare(field, op as "$gt", operand, p);
  }
}

export function whereSql<P>(d: SqlDialect<P>, filter: Filter, p: P): string {
  const clauses: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$or" || key === "$and") {
      const parts = (value as Filter[]).map((sub) => `(${whereSql(d, sub, p)})`);
      clauses.push(`(${parts.join(key === "$or" ? " OR " : " AND ")})`);
    } else if (isOperatorObject(value)) {
      for (const [op, operand] of Object.entries(value))
        clauses.push(operator(d, key, op, operand, p));
    } else {
      clauses.push(d.equals(key, value, p));
    }
  }
  return clauses.length ? clauses.join(" AND ") : d.TRUE;
}
