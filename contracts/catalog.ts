/**
 * What the catalog answers about a product, for the services that read it (orders prices a
 * basket from it, cart shows it). Types only: nothing here runs.
 */
export const ProductKind = { PRODUCT: "product", COURSE: "course" } as const;
export type ProductKind = (typeof ProductKind)[keyof typeof ProductKind];

export interface NewProduct {
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  category: string;
  stock: number;
  active: boolean;
  /** What is sold: a thing on a shelf (the default) or a course. */
  kind?: ProductKind;
  /** Sold without a count of units (a course): never out of stock while active. */
  unlimited?: boolean;
}

/** `kind` and `unlimited` are present only when set: absent, a thing on a shelf, counted. */
export type ProductView = NewProduct & { id: string; createdAt: string; updatedAt: string };

/**
 * What another service puts on sale as its own product (a course): made or changed in one
 * idempotent step, under an id the owner chooses, without a count of units.
 */
export interface Listing {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  category: string;
  active: boolean;
  kind: ProductKind;
}

/** Units of one product for one order: what a reservation holds. */
export interface StockLine {
  productId: string;
  quantity: number;
}

/**
 * Broadcast by the catalog when products change (stock moves included) to every node's catalog
 * and gateway: their held reads of these products go. No id: any product may have changed.
 */
export const PRODUCTS_CHANGED = "catalog.cache.clean";
export interface ProductsChanged {
  ids: string[];
}
