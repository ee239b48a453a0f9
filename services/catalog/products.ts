import { invalid, notFound } from "../../platform/actions/errors";
import { findPage, type Page } from "../../platform/data/pagination";
import { queryTerms, rankBySearch, searchTerms } from "./search";
import type { NewProduct, ProductView } from "../../contracts/catalog";
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
