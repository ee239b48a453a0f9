import { randomUUID } from "node:crypto";
import { conflict, ErrorType, invalid, notFound } from "../../platform/actions/errors";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import { Channel, type ChannelEvent } from "../../contracts/channels";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { ShopError } from "../../contracts/errors";
import { findPage, type Page } from "../../platform/data/pagination";
import { queryTerms, rankBySearch, searchTerms } from "./search";
import type { Listing, NewProduct, ProductView } from "../../contracts/catalog";
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
    searchTerms: searchTerms(input),
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
    if (["name", "description", "category", "sku"].some((f) => f in changes))
      $set.searchTerms = next.searchTerms = searchTerms(next);
    const updated = await products.findOneAndUpdate(
      { id, updatedAt: current.updatedAt },
      withEvents({ $set }, [changed(next)]),
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
    searchTerms: searchTerms(listing),
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

const SEARCH_CANDIDATES = 500;

export async function listProducts(
  products: Products,
  query: { q?: string; category?: string; sort?: string; page: number; pageSize: number },
  includeInactive: boolean,
): Promise<Page<ProductView>> {
  const filter: Record<string, unknown> = {};
  if (!includeInactive) filter.active = true;
  if (query.category) filter.category = query.category;
  const { page, pageSize } = query;
  const terms = query.q ? queryTerms(query.q) : [];
  if (query.q !== undefined && query.q !== "" && terms.length === 0)
    return { rows: [], total: 0, page, pageSize, totalPages: 0 };
  if (terms.length > 0 && !query.sort) {
    filter.searchTerms = { $in: terms };
    const ranked = rankBySearch(await products.find(filter, { limit: SEARCH_CANDIDATES }), terms);
    const rows = ranked.slice((page - 1) * pageSize, page * pageSize).map(toProductView);
    return {
      rows,
      total: ranked.length,
      page,
      pageSize,
      totalPages: Math.ceil(ranked.length / pageSize),
    };
  }
  if (terms.length > 0) filter.searchTerms = { $in: terms };
  const field = query.sort?.replace(/^-/, "") ?? "createdAt";
  const order = query.sort?.startsWith("-") || !query.sort ? -1 : 1;
  return findPage(products, filter, { page, pageSize, sort: { [field]: order } }, toProductView);
}
