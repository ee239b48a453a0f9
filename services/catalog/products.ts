import { conflict, invalid, notFound } from "../../platform/actions/errors";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { ShopError } from "../../contracts/errors";
import { findPage, type Page } from "../../platform/data/pagination";
import { queryTerms, rankBySearch, searchTerms } from "./search";
import type { Listing, NewProduct, ProductView } from "../../contracts/catalog";
import { ProductDoc, Products, toProductView } from "./model";

export type { NewProduct, ProductView };

export async function createProduct(products: Products, input: NewProduct): Promise<ProductDoc> {
  const now = new Date().toISOString();
  return products.insert({
    ...input,
    searchTerms: searchTerms(input),
    createdAt: now,
    updatedAt: now,
  });
}

export async function updateProduct(
  products: Products,
  id: string,
  changes: Partial<NewProduct>,
): Promise<ProductDoc> {
  if (Object.keys(changes).length === 0)
    throw invalid([{ field: "name", message: "Nothing to change", type: "required" }]);
  const current = await products.findById(id);
  if (!current) throw notFound("Product");
  const next = { ...current, ...changes };
  const $set: Record<string, unknown> = { ...changes, updatedAt: new Date().toISOString() };
  if (["name", "description", "category", "sku"].some((f) => f in changes))
    $set.searchTerms = searchTerms(next);
  const updated = await products.findOneAndUpdate({ id }, { $set });
  if (!updated) throw notFound("Product");
  return updated;
}

/**
 * Another service's product (a course), under the id it chose: made the first time, changed
 * after, never counted. Asking twice with the same listing leaves the same product.
 */
export async function putListing(products: Products, listing: Listing): Promise<ProductDoc> {
  const now = new Date().toISOString();
  const made = await insertIfAbsent(products, {
    ...listing,
    stock: 0,
    unlimited: true,
    searchTerms: searchTerms(listing),
    createdAt: now,
    updatedAt: now,
  });
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
