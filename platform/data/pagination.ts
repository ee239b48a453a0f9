import type { Principal } from "../../contracts/users";
import type { Doc, FindOptions, Filter, Repository } from "./repository";

export const MAX_PAGE_SIZE = 100;
export const MAX_PAGE = 1_000_000;
/** The furthest row a listing can ask for: a search behind a listing takes offsets this far. */
export const MAX_OFFSET = MAX_PAGE * MAX_PAGE_SIZE;

/** Validation rules for `page` and `pageSize` (query strings, so converted). */
export const pageParams = {
  page: { type: "number", integer: true, min: 1, max: MAX_PAGE, convert: true, default: 1 },
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
 * A page of the caller's own documents (`userId`), newest first, narrowed by `where`; with
 * `adminSeesAll`, an admin's page holds everyone's.
 */
export function ownPage<T extends Doc, V>(
  repo: Repository<T>,
  caller: Principal,
  request: { page: number; pageSize: number },
  view: (doc: T) => V,
  options: { where?: Filter; adminSeesAll?: boolean; sort?: FindOptions["sort"] } = {},
): Promise<Page<V>> {
  const seesAll = options.adminSeesAll === true && caller.roles.includes("admin");
  const filter: Filter = { ...(seesAll ? {} : { userId: caller.id }), ...options.where };
  return findPage(repo, filter, { ...request, sort: options.sort ?? { createdAt: -1 } }, view);
}

/**
 * Rows that tie on the sort fields (a burst of orders in one millisecond) come back in no
 * fixed order: PostgreSQL's order among ties changes with LIMIT and whenever a row is
 * rewritten, so pages would repeat one row and drop another. The id breaks every tie.
 */
function withTieBreak(sort: FindOptions["sort"]): NonNullable<FindOptions["sort"]> {
  return { ...sort, id: sort?.id ?? 1 };
}

/** Params of a page of every document by id, after the last one read (an index rebuild). */
export const keysetParams = {
  $$strict: true,
  after: { type: "string", max: 64, optional: true },
  limit: { type: "number", integer: true, min: 1, max: 1000 },
} as const;

/** Up to `limit` documents with ids after `after`, in id order. */
export function pageAfter<T extends Doc>(
  repo: Repository<T>,
  request: { after?: string; limit: number },
): Promise<T[]> {
  const { after, limit } = request;
  // The first page too is a range of the key (every id is longer than ""), so each store walks
  // its key index from the start rather than planning a read of the whole table.
  return repo.find({ id: { $gt: after ?? "" } }, { sort: { id: 1 }, limit });
}
