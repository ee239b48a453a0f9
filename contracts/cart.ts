/** A user's cart as other services see it: product and quantity, never prices. Types only. */
export interface Cart {
  items: { productId: string; quantity: number }[];
  updatedAt: string | null;
}
