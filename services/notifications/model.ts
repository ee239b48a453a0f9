import type { OutboxDoc } from "../../platform/messaging/outbox";
import { idRule } from "../../platform/actions/ids";
import type { IndexSpec } from "../../platform/data/repository";
import type { ChannelMessage } from "../../platform/messaging/channels";
import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";

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

export interface WebhookDoc extends OutboxDoc {
  id: string;
  url: string;
  events: string[];
  secret: string;
  active: boolean;
  createdAt: string;
}

export interface Attempt {
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
}

export type DeliveryStatus = "pending" | "delivered" | "failed" | "dead";

export interface DeliveryDoc {
  id: string;
  webhookId: string;
  eventId: string;
  type: string;
  message: ChannelMessage;
  status: DeliveryStatus;
  attempts: Attempt[];
  nextAttemptAt: string;
  createdAt: string;
  updatedAt: string;
}

export const WEBHOOK_INDEXES: IndexSpec[] = [
  { fields: ["active"] },
  { fields: ["outboxPending"], range: "number" },
];
export const DELIVERY_INDEXES: IndexSpec[] = [
  { fields: ["webhookId"] },
  { fields: ["status"] },
  { fields: ["nextAttemptAt"], range: "string" },
];

const webhookFields = {
  id: string,
  url: string,
  events: arrayOf(string),
  active: boolean,
  createdAt: dateTime,
};
export const WEBHOOK_SHAPE = object(webhookFields, [], "Webhook");
export const NEW_WEBHOOK_SHAPE = object(
  { ...webhookFields, secret: { ...string, description: "Signs every delivery; shown only here" } },
  [],
  "NewWebhook",
);
export const DELIVERY_SHAPE = object(
  {
    id: string,
    webhookId: string,
    eventId: string,
    type: string,
    status: oneOf(["pending", "delivered", "failed", "dead"] satisfies DeliveryStatus[]),
    attempts: arrayOf(
      object(
        {
          at: dateTime,
          status: { ...integer, description: "The receiver's HTTP status" },
          error: string,
          durationMs: integer,
        },
        ["status", "error"],
      ),
    ),
    nextAttemptAt: dateTime,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  ["nextAttemptAt"],
  "WebhookDelivery",
);

export function toWebhookView(doc: WebhookDoc) {
  const { id, url, events, active, createdAt } = doc;
  return { id, url, events, active, createdAt };
}

export function toDeliveryView(doc: DeliveryDoc) {
  const { id, webhookId, eventId, type, status, attempts, nextAttemptAt, createdAt, updatedAt } =
    doc;
  return {
    id,
    webhookId,
    eventId,
    type,
    status,
    attempts,
    ...(status === "pending" ? { nextAttemptAt } : {}),
    createdAt,
    updatedAt,
  };
}

export interface EmailDoc {
  id: string;
  to: string;
  subject: string;
  status: "pending" | "sending" | "sent";
  attempts: number;
  claimedUntil?: string;
  sentAt?: string;
  createdAt: string;
}

/** Words already filled in and checked by engagement; bounded again here, as any input. */
export const deliveryParams = {
  $$strict: true,
  userId: idRule,
  type: idRule,
  key: { type: "string", min: 1, max: 128, pattern: /^[A-Za-z0-9_.:-]+$/ },
  messages: {
    type: "array",
    min: 1,
    max: 3,
    items: {
      type: "object",
      strict: true,
      props: {
        channel: { type: "enum", values: ["inbox", "email", "webhook"] },
        title: { type: "string", min: 1, max: 150, optional: true },
        body: { type: "string", min: 1, max: 50_000 },
      },
    },
  },
  unsubscribeUrl: { type: "string", max: 1024, optional: true },
} as const;
