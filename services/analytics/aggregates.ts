import type { Repository } from "../../mixins/db/db.mixin";
import type { Update } from "../../mixins/db/repository";
import type { BehaviourEvent } from "./behaviour";
import { encodeKey, isTooLate, windowStartOf, type OrderWindowDoc } from "./windows";

export interface EventWindowDoc {
  id: string;
  counts?: Record<string, number>;
  views?: Record<string, number>;
  [key: string]: unknown;
}

/**
 * Applies an update to a window once per message: the message's mark goes in with the update,
 * in one atomic write, so a redelivered message (or a crash between two windows of one batch)
 * never counts twice.
 */
async function applyOnce<T extends { id: string; [key: string]: unknown }>(
  windows: Repository<T>,
  windowId: string,
  messageId: string,
  update: Update,
): Promise<boolean> {
  await windows.upsert({ id: windowId }, { $set: { windowStart: windowId } });
  const mark = `applied.${messageId}`;
  return (
    (await windows.updateOne(
      { id: windowId, [mark]: { $exists: false } },
      { ...update, $set: { ...update.$set, [mark]: true } },
    )) === 1
  );
}

interface OrderEventData {
  userId: string;
  total: number;
  items: { productId: string; quantity: number }[];
}

/**
 * orders.confirmed counts in its window; orders.cancelled takes the order back out of the
 * window the cancellation happens in (DESIGN §4: revenue net of cancellations there).
 * Order events are never dropped for lateness: each must be counted once.
 */
export function applyOrderEvent(
  windows: Repository<OrderWindowDoc>,
  message: { id: string; type: string; ts: string; data: OrderEventData },
): Promise<boolean> {
  const sign = message.type === "orders.cancelled" ? -1 : 1;
  const $inc: Record<string, number> = { orders: sign, revenue: sign * message.data.total };
  for (const line of message.data.items ?? [])
    $inc[`sold.${line.productId}`] = sign * line.quantity;
  const update: Update = { $inc };
  if (sign > 0) update.$set = { [`users.${message.data.userId}`]: true };
  return applyOnce(windows, windowStartOf(message.ts), message.id, update);
}

/** Counts a batch into its windows; returns how many events were too late and dropped. */
export async function applyBehaviourBatch(
  windows: Repository<EventWindowDoc>,
  messageId: string,
  events: BehaviourEvent[],
  nowMs: number,
  latenessMs: number,
): Promise<number> {
  const byWindow = new Map<string, Record<string, number>>();
  let dropped = 0;
  for (const event of events) {
    if (isTooLate(event.ts, nowMs, latenessMs)) {
      dropped++;
      continue;
    }
    const window = windowStartOf(event.ts);
    const inc = byWindow.get(window) ?? {};
    const countKey = `counts.${encodeKey(event.type)}`;
    inc[countKey] = (inc[countKey] ?? 0) + 1;
    if (event.type === "product_view" && event.productId) {
      const viewKey = `views.${event.productId}`;
      inc[viewKey] = (inc[viewKey] ?? 0) + 1;
    }
    byWindow.set(window, inc);
  }
  for (const [window, $inc] of byWindow) await applyOnce(windows, window, messageId, { $inc });
  if (dropped) await applyOnce(windows, "late", messageId, { $inc: { dropped } });
  return dropped;
}
