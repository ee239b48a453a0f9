import type { Repository } from "../../platform/data/repository";
import type { Message } from "./templates";
import { NotificationDoc } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

/**
 * One inbox item a `key` (an event id, a cart state): its id is made from the key, so a
 * second delivery of the same event finds it there. True when this call put it there.
 */
export async function putInInbox(
  inbox: Repository<NotificationDoc>,
  key: string,
  userId: string,
  message: Message,
): Promise<boolean> {
  const inserted = await insertIfAbsent(inbox, {
    id: `ntf_${key}`,
    userId,
    type: message.type,
    title: message.title,
    body: message.body,
    ...(message.orderId ? { orderId: message.orderId } : {}),
    read: false,
    createdAt: new Date().toISOString(),
  });
  return inserted !== undefined;
}
