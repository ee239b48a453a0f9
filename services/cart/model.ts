import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  object,
  string,
} from "../../platform/actions/openapi";

export interface CartDoc {
  id: string;
  items: Record<string, number>;
  updatedAt: string;
  expiresAt: string;
}

/**
 * What a shopper sees of a cart: each line with the product's current name and price (a cart
 * keeps only ids and quantities, so a price change shows at once), whether it can be ordered
 * now, and the subtotal of the lines that can.
 */
export interface CartLineView {
  productId: string;
  quantity: number;
  sku: string;
  name: string;
  unitPrice: number;
  lineTotal: number;
  /** On sale and with enough stock for this quantity. */
  available: boolean;
}

export interface CartView {
  items: CartLineView[];
  /** Of the available lines, in minor units. */
  subtotal: number;
  /** null for an empty cart, or for lines in more than one currency (then subtotal is 0). */
  currency: string | null;
  updatedAt: string | null;
}

export const CART_VIEW_SHAPE = object(
  {
    items: arrayOf(
      object(
        {
          productId: string,
          quantity: integer,
          sku: string,
          name: string,
          unitPrice: { ...integer, description: "The current price, in minor units" },
          lineTotal: integer,
          available: { ...boolean, description: "On sale, with enough stock for the quantity" },
        },
        [],
        "CartLine",
      ),
    ),
    subtotal: { ...integer, description: "Of the available lines, in minor units" },
    currency: { type: ["string", "null"] },
    updatedAt: { ...dateTime, type: ["string", "null"], description: "null for an empty cart" },
  },
  [],
  "Cart",
);
