import { isDuplicate } from "../../platform/actions/errors";
import type { Repository } from "../../mixins/db.mixin";
import { boolean, dateTime, object, string } from "../../platform/actions/openapi";
import type { Message } from "./templates";

export interface NotificationView {
  id: string;
  type: string;
  title: string;
  body: string;
  orderId?: string;
  read: boolean;
  createdAt: string;
}

export const NOTIFICATION_SHAPE = object(
  {
    id: string,
    type: string,
    title: string,
    body: string,
    orderId: string,
    read: boolean,
    createdAt: dateTime,
  },
  ["orderId"],
  "Notification",
);

export interface NotificationDoc extends NotificationView {
  userId: string;
}

export const NOTIFICATION_INDEXES = [{ fields: ["userId"] }, { fields: ["createdAt"] }];

export function toNotificationView(doc: NotificationDoc): NotificationView {
  const { id, type, title, body, orderId, read, createdAt } = doc;
  return { id, type, title, body, ...(orderId ? { orderId } : {}), read, createdAt };
}

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
  try {
    await inbox.insert({
      id: `ntf_${key}`,
      userId,
      type: message.type,
      title: message.title,
      body: message.body,
      ...(message.orderId ? { orderId: message.orderId } : {}),
      read: false,
      createdAt: new Date().toISOString(),
    });
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false;
    throw err;
  }
}
