import type { Doc, Filter, FindOptions } from "./repository";

/**
 * NeDB and MongoDB keep the id in `_id`; the repository API calls it `id`. These map between
 * the two at the store's edge.
 */
export type StoreDoc = { _id: string } & Record<string, unknown>;

function renameId(key: string): string {
  return key === "id" ? "_id" : key.startsWith("id.") ? "_" + key : key;
}

export function toStoreFilter(filter: Filter): Filter {
  const out: Filter = {};
  for (const [key, value] of Object.entries(filter)) {
    out[renameId(key)] =
      key === "$or" || key === "$and" ? (value as Filter[]).map(toStoreFilter) : value;
  }
  return out;
}

export function toStoreSort(sort: FindOptions["sort"]): Record<string, 1 | -1> | undefined {
  if (!sort) return undefined;
  return Object.fromEntries(Object.entries(sort).map(([k, v]) => [renameId(k), v]));
}

export function toStoreDoc<T extends Doc>(doc: T): StoreDoc {
  const { id, ...rest } = doc;
  return { _id: id, ...rest };
}

export function fromStoreDoc<T extends Doc>(doc: StoreDoc | null | undefined): T | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: _id, ...rest } as unknown as T;
}
