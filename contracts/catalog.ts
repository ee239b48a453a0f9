/**
 * What the catalog answers about a product, for the services that read it (orders prices a
 * basket from it, cart shows it). Types only: nothing here runs.
 */
export interface NewProduct {
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  category: string;
  stock: number;
  active: boolean;
}

export type ProductView = NewProduct & { id: string; createdAt: string; updatedAt: string };

/** Units of one product for one order: what a reservation holds. */
export interface StockLine {
  productId: string;
  quantity: number;
}
