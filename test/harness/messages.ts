import { randomUUID } from "node:crypto";
import type { OrderMoved, PaymentSettled } from "../../contracts/channels";
import type { ChannelMessage } from "../../platform/messaging/channels";

/**
 * A message as a consumer may receive it, unchecked: for tests of what a consumer does with a
 * message whatever it holds (a stale field, a malformed one). A producer's messages are made by
 * `channelMessage`, which checks them.
 */
export function rawMessage<D>(type: string, data: D): ChannelMessage<D> & { version: number } {
  return { id: randomUUID(), type, version: 1, ts: new Date().toISOString(), data };
}

/** A moved order as its schema wants it, with the test's own fields over it. */
export const orderMoved = (
  fields: Partial<OrderMoved> & Record<string, unknown> = {},
): OrderMoved => ({
  orderId: "ord_1",
  userId: "usr_1",
  status: "CONFIRMED" as OrderMoved["status"],
  items: [],
  total: 100,
  currency: "EUR",
  createdAt: "2026-12-01T00:00:00.000Z",
  ...fields,
});

export const paymentSettled = (fields: Partial<PaymentSettled> = {}): PaymentSettled => ({
  paymentId: "pay_1",
  orderId: "ord_1",
  userId: "usr_1",
  amount: 100,
  currency: "EUR",
  status: "succeeded",
  ...fields,
});
