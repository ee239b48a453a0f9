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
  const { page, pageSize, sort } = request;
  const [docs, total] = await Promise.all([
    repo.find(filter, { sort, skip: (page - 1) * pageSize, limit: pageSize }),
    repo.count(filter),
  ]);
  return { rows: docs.map(view), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
}
