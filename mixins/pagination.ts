import type { Doc, FindOptions, Filter, Repository } from "./db/repository";

export const MAX_PAGE_SIZE = 100;

/** Validation rules for `page` and `pageSize` (query strings, so converted). */
export const pageParams = {
  page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, default: 1 },
  pageSize: {
    type: "number",
    integer: true,
    min: 1,
    max: MAX_PAGE_SIZE,
    convert: true,
    default: 20,
  },
} as const;

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
}

export async function findPage<T extends Doc, V>(
  repo: Repository<T>,
  filter: Filter,
  request: { page: number; pageSize: number; sort?: FindOptions["sort"] },
  view: (doc: T) => V,
): Promise<Page<V>> {
  const { page, pageSize } = request;
  const [docs, total] = await Promise.all([
    repo.find(filter, {
      sort: withTieBreak(request.sort),
      skip: (page - 1) * pageSize,
      limit: pageSize,
    }),
    repo.count(filter),
  ]);
  return { rows: docs.map(view), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
}

/**
 * Rows that tie on the sort fields (a burst of orders in one millisecond) come back in no
 * fixed order: PostgreSQL's order among ties changes with LIMIT and whenever a row is
 * rewritten, so pages would repeat one row and drop another. The id breaks every tie.
 */
function withTieBreak(sort: FindOptions["sort"]): NonNullable<FindOptions["sort"]> {
  return { ...sort, id: sort?.id ?? 1 };
}
