import type { ProductView } from "../../contracts/catalog";
import { invalid, type FieldProblem } from "../../platform/actions/errors";

export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** What pricing reads of a product: the catalog's answer, not a copy of it. */
export type CatalogProduct = Pick<
  ProductView,
  "id" | "sku" | "name" | "price" | "currency" | "active"
>;

import type { OrderLine } from "../../contracts/orders";
export type { OrderLine };

export interface PricedOrder {
  items: OrderLine[];
  total: number;
  currency: string;
}

/**
 * Prices every line from the catalog, never from the client. Unknown or inactive products
 * and mixed currencies are the client's error (422), found all at once.
 */
export function priceLines(requested: RequestedLine[], products: CatalogProduct[]): PricedOrder {
  const byId = new Map(products.map((p) => [p.id, p]));
  const problems: FieldProblem[] = [];
  const items: OrderLine[] = [];
  requested.forEach((line, i) => {
    const product = byId.get(line.productId);
    if (!product || !product.active) {
      problems.push({
        field: `items[${i}].productId`,
        message: "No such product for sale",
        type: "product",
      });
      return;
    }
    const lineTotal = product.price * line.quantity;
    items.push({
      productId: product.id,
      sku: product.sku,
      name: product.name,
      unitPrice: product.price,
      quantity: line.quantity,
      lineTotal,
    });
  });
  const currencies = new Set(items.map((l) => byId.get(l.productId)!.currency));
  if (currencies.size > 1)
    problems.push({
      field: "items",
      message: "All lines must be in one currency",
      type: "currency",
    });
  const total = items.reduce((sum, l) => sum + l.lineTotal, 0);
  if (!Number.isSafeInteger(total))
    problems.push({ field: "items", message: "The order total is too large", type: "total" });
  if (problems.length) throw invalid(problems);
  return { items, total, currency: [...currencies][0] };
}

/** The same product on two lines is a client error: one line a product, its quantity summed by the client. */
export function assertDistinctProducts(lines: RequestedLine[]): void {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  lines.forEach((line, i) => {
    if (seen.has(line.productId))
      problems.push({
        field: `items[${i}].productId`,
        message: "Each product may appear once",
        type: "unique",
      });
    seen.add(line.productId);
  });
  if (problems.length) throw invalid(problems);
}
