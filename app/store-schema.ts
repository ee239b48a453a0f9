import { DECLARED_COLLECTIONS, type DeclaredCollections } from "../mixins/db.mixin";
import type { IndexSpec } from "../platform/data/repository";
import { SERVICE_MODULES } from "./services";

/** Every collection the services declare, with the union of their indexes. */
export interface StoreSchema {
  collections: Record<string, { indexes: IndexSpec[]; appendOnly: boolean }>;
}

type WithMixins = { mixins?: WithMixins[]; [DECLARED_COLLECTIONS]?: DeclaredCollections };

function declaredIn(schema: WithMixins, into: DeclaredCollections[]): void {
  if (schema[DECLARED_COLLECTIONS]) into.push(schema[DECLARED_COLLECTIONS]);
  for (const mixin of schema.mixins ?? []) declaredIn(mixin, into);
}

/** A stable key of an index, so a collection two services share holds it once. */
const keyOf = (index: IndexSpec) =>
  JSON.stringify([index.fields, index.range ?? null, index.list ?? null, index.unique ?? null]);

/**
 * The schema the stores expect, read from every service's DbMixins (a consumer's shared
 * `processed_messages` once). `except` leaves services out (the first migration was the schema
 * before they existed).
 */
export async function storeSchema(except: string[] = []): Promise<StoreSchema> {
  const collections: StoreSchema["collections"] = {};
  for (const module of SERVICE_MODULES) {
    if (except.includes(module.name)) continue;
    const found: DeclaredCollections[] = [];
    declaredIn((await module.load()).default as WithMixins, found);
    for (const declared of found)
      for (const [collection, indexes] of Object.entries(declared.collections)) {
        const held = (collections[collection] ??= { indexes: [], appendOnly: false });
        const known = new Set(held.indexes.map(keyOf));
        for (const index of indexes) if (!known.has(keyOf(index))) held.indexes.push(index);
        held.appendOnly ||= declared.appendOnly.includes(collection);
      }
  }
  return {
    collections: Object.fromEntries(
      Object.entries(collections).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}
