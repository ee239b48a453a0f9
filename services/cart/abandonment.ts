import { createHash } from "node:crypto";

export interface CartActivity {
  id: string;
  updatedAt: string;
  /** What the cart holds, hashed: a reminder is sent once per state. */
  state: string;
  itemCount: number;
  remindedState?: string;
  /**
   * When the abandonment loop looks at this cart next: the abandon time after its last change,
   * none once it is settled. The loop reads only what is due, so settled carts never crowd a
   * batch.
   */
  dueAt?: string;
}

export function cartState(items: { productId: string; quantity: number }[]): string {
  const canonical = items
    .map((i) => `${i.productId}:${i.quantity}`)
    .sort()
    .join(",");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/**
 * The abandoned-cart rule (behaviour → decision): remind when the cart holds items, has been
 * left alone for the abandon time, its owner has not ordered since it last changed, and this
 * cart state was not reminded of before.
 */
export function shouldRemind(
  activity: CartActivity,
  lastOrderAt: string | null,
  nowMs: number,
  abandonMs: number,
): boolean {
  if (activity.itemCount === 0) return false;
  if (nowMs - Date.parse(activity.updatedAt) < abandonMs) return false;
  if (activity.remindedState === activity.state) return false;
  if (lastOrderAt !== null && Date.parse(lastOrderAt) >= Date.parse(activity.updatedAt))
    return false;
  return true;
}
