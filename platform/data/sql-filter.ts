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
}

function operator<P>(d: SqlDialect<P>, field: string, op: string, operand: unknown, p: P): string {
  const anyOf = (values: unknown[]) => `(${values.map((v) => d.equals(field, v, p)).join(" OR ")})`;
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
