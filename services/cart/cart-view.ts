import type { ProductView } from "../../contracts/catalog";
import type { Cart } from "./cart-store";
import { CartView } from "./model";

export function cartView(cart: Cart, products: ProductView[]): CartView {
  const byId = new Map(products.map((p) => [p.id, p]));
  const items = cart.items.map(({ productId, quantity }) => {
    const product = byId.get(productId);
    const unitPrice = product?.price ?? 0;
    return {
      productId,
      quantity,
      sku: product?.sku ?? "",
      name: product?.name ?? "No longer sold",
      unitPrice,
      lineTotal: unitPrice * quantity,
      available:
        product !== undefined && product.active && (product.unlimited || product.stock >= quantity),
    };
  });
  const available = items.filter((line) => line.available);
  const currencies = new Set(available.map((line) => byId.get(line.productId)!.currency));
  const oneCurrency = currencies.size === 1 ? [...currencies][0] : null;
  return {
    items,
    subtotal: oneCurrency ? available.reduce((sum, line) => sum + line.lineTotal, 0) : 0,
    currency: oneCurrency,
    updatedAt: cart.updatedAt,
  };
}
