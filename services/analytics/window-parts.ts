import { ownValue } from "../../platform/data/own-value";
import type { OrderMoved } from "../../contracts/channels";
import type { Doc } from "../../platform/data/repository";
import type { Repository } from "../../platform/data/repository";
import type { BehaviourEvent } from "./behaviour";
import { encodeKey, isTooLate, windowStartOf } from "./windows";
import { Channel } from "../../contracts/channels";
import { WindowPart, WindowUser } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

function part(windowStart: string, messageId: string, inc: Record<string, number>): WindowPart {
  return { id: `${windowStart}:${messageId}`, windowStart, inc, foldPending: 1 };
}

type OrderEventData = Pick<OrderMoved, "userId" | "total" | "items">;

export interface OrderEventParts {
  part: WindowPart;
  /** The buyer to count in the window: confirmations only. */
  user?: WindowUser;
}

/**
 * orders.confirmed counts in its window; orders.cancelled takes the order back out of the
 * window the cancellation happens in (architecture §4: revenue net of cancellations there).
 * Order events are never dropped for lateness: each must be counted once.
 */
export function orderEventParts(message: {
  id: string;
  type: string;
  ts: string;
  data: OrderEventData;
}): OrderEventParts {
  const sign = message.type === Channel.ORDERS_CANCELLED ? -1 : 1;
  const window = windowStartOf(message.ts);
  const inc: Record<string, number> = { orders: sign, revenue: sign * message.data.total };
  for (const line of message.data.items ?? [])
    inc[`sold.${line.productId}`] = (inc[`sold.${line.productId}`] ?? 0) + sign * line.quantity;
  const user =
    sign > 0 ? { id: `${window}:${message.data.userId}`, windowStart: window } : undefined;
  return { part: part(window, message.id, inc), user };
}

/**
 * A batch's counts, one part per window it touches. Events later than the allowed lateness
 * are dropped, and counted as dropped in the window the batch arrived in.
 */
export function behaviourParts(
  messageId: string,
  events: BehaviourEvent[],
  nowMs: number,
  latenessMs: number,
): { parts: WindowPart[]; dropped: number } {
  const byWindow = new Map<string, Record<string, number>>();
  const add = (window: string, key: string, n = 1) => {
    const inc = byWindow.get(window) ?? {};
    inc[key] = (ownValue(inc, key) ?? 0) + n;
    byWindow.set(window, inc);
  };
  let dropped = 0;
  for (const event of events) {
    if (isTooLate(event.ts, nowMs, latenessMs)) {
      dropped++;
      continue;
    }
    const window = windowStartOf(event.ts);
    add(window, `counts.${encodeKey(event.type)}`);
    if (event.type === "product_view" && event.productId) add(window, `views.${event.productId}`);
  }
  if (dropped) add(windowStartOf(nowMs), "dropped", dropped);
  const parts = [...byWindow].map(([window, inc]) => part(window, messageId, inc));
  return { parts, dropped };
}

/**
 * Inserts what is not there yet. A part already there was recorded by an earlier delivery of
 * the same message (counted, or waiting for the fold): it is left as it is.
 */
export async function insertNew<T extends Doc>(repo: Repository<T>, docs: T[]): Promise<void> {
  for (const doc of docs) await insertIfAbsent(repo, doc);
}
