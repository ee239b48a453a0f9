import { randomUUID } from "node:crypto";
import { conflict, ErrorType, invalid, notFound } from "../../platform/actions/errors";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import { Channel, type ChannelEvent } from "../../contracts/channels";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { ShopError } from "../../contracts/errors";
import { findPage, type Page } from "../../platform/data/pagination";
import type { Listing, NewProduct, ProductView } from "../../contracts/catalog";
import type { ProductSearch } from "../../contracts/search";
import { ProductDoc, Products, toProductView } from "./model";

export type { NewProduct, ProductView };

/** What a product write tells: the product as it now is (the search index reads it). */
function changed(doc: ProductDoc): ChannelEvent {
  return { type: Channel.CATALOG_PRODUCT_CHANGED, data: toProductView(doc) };
}

export async function createProduct(products: Products, input: NewProduct): Promise<ProductDoc> {
  const now = new Date().toISOString();
  const doc: ProductDoc = {
    ...input,
    id: randomUUID(),
    createdAt: now,
    updatedAt: now,
  };
  return products.insert({ ...doc, ...withNewEvents([changed(doc)]) });
}

/** Tries this many times when another edit lands between the read and the write. */
const EDIT_ATTEMPTS = 5;

export async function updateProduct(
  products: Products,
  id: string,
  changes: Partial<NewProduct>,
  /** A price change's audit record, written with the change. */
  priceAudit?: (change: { before: object; after: object }) => ChannelEvent,
): Promise<ProductDoc> {
  if (Object.keys(changes).length === 0)
    throw invalid([{ field: "name", message: "Nothing to change", type: "required" }]);
  // The event carries the product as written, so the write holds only if nobody edited it
  // since the read; stock moves do not touch `updatedAt` and never make an edit try again.
  for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt++) {
    const current = await products.findById(id);
    if (!current) throw notFound("Product");
    const $set: Record<string, unknown> = { ...changes, updatedAt: new Date().toISOString() };
    const next = { ...current, ...$set } as ProductDoc;
    const repriced = next.price !== current.price || next.currency !== current.currency;
    const record =
      repriced && priceAudit
        ? [
            priceAudit({
              before: { price: current.price, currency: current.currency },
              after: { price: next.price, currency: next.currency },
            }),
          ]
        : [];
    const updated = await products.findOneAndUpdate(
      { id, updatedAt: current.updatedAt },
      withEvents({ $set }, [changed(next), ...record]),
    );
    if (updated) return updated;
  }
  throw conflict(ErrorType.INVALID_STATE, "The product is being edited; try again");
}

/**
 * Another service's product (a course), under the id it chose: made the first time, changed
 * after, never counted. Asking twice with the same listing leaves the same product.
 */
export async function putListing(products: Products, listing: Listing): Promise<ProductDoc> {
  const now = new Date().toISOString();
  const doc: ProductDoc = {
    ...listing,
    stock: 0,
    unlimited: true,
    createdAt: now,
    updatedAt: now,
  };
  const made = await insertIfAbsent(products, { ...doc, ...withNewEvents([changed(doc)]) });
  if (made) return made;
  // Not made: either it exists, or another product holds the SKU.
  if (!(await products.findById(listing.id)))
    throw conflict(ShopError.SKU_TAKEN, "A product with this SKU exists");
  const { id, ...changes } = listing;
  return updateProduct(products, id, { ...changes, unlimited: true });
}

/** A query sorted by a field (not by relevance) sorts at most this many matches. */
export const SORTED_MATCHES = 1000;

/** The one search's answer to a product query: ids, best first. */
export type FindProductIds = (query: ProductSearch) => Promise<{ ids: string[]; total: number }>;

/**
 * A page of products. A query (`q`) is answered by the search service, fresh as of the
 * catalog's newest write; the products themselves, and whether a shopper may see them, are
 * read here, so a lagging index never shows what is no longer on sale.
 */
export async function listProducts(
  products: Products,
  query: { q?: string; category?: string; sort?: string; page: number; pageSize: number },
  includeInactive: boolean,
  findIds: FindProductIds,
): Promise<Page<ProductView>> {
  const filter: Record<string, unknown> = {};
  if (!includeInactive) filter.active = true;
  if (query.category) filter.category = query.category;
  const { page, pageSize } = query;
  const field = query.sort?.replace(/^-/, "") ?? "createdAt";
  const sort = {
    [field]: query.sort?.startsWith("-") || !query.sort ? (-1 as const) : (1 as const),
  };
  if (!query.q) return findPage(products, filter, { page, pageSize, sort }, toProductView);
  // The bound (every product has a time) lets each store answer from the end of the index.
  const [newest] = await products.find(
    { updatedAt: { $gt: "" } },
    { sort: { updatedAt: -1 }, limit: 1 },
  );
  const ask = (offset: number, limit: number) =>
    findIds({
      q: query.q!,
      ...(query.category ? { category: query.category } : {}),
      includeHidden: includeInactive,
      ...(newest ? { freshAsOf: newest.updatedAt } : {}),
      offset,
      limit,
    });
  if (query.sort) {
    const { ids } = await ask(0, SORTED_MATCHES);
    return findPage(
      products,
      { ...filter, id: { $in: ids } },
      { page, pageSize, sort },
      toProductView,
    );
  }
  const { ids, total } = await ask((page - 1) * pageSize, pageSize);
  const byId = new Map(
    (await products.find({ ...filter, id: { $in: ids } })).map((p) => [p.id, p]),
  );
  const rows = ids.flatMap((id) => (byId.has(id) ? [toProductView(byId.get(id)!)] : []));
  return { rows, total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
}
