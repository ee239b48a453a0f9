import type { IndexSpec } from "../../platform/data/repository";
import type { Repository } from "../../platform/data/repository";
import { dateTime, integer, object, oneOf, string } from "../../platform/actions/openapi";
import { type OutboxDoc } from "../../platform/messaging/outbox";
import type { PaymentStatus, PaymentView } from "../../contracts/payments";

export interface PaymentDoc extends OutboxDoc {
  id: string;
  orderId: string;
  userId: string;
  amount: number;
  refunded: number;
  currency: string;
  status: PaymentStatus;
  chargeId?: string;
  failureReason?: string;
  refunds?: Record<string, { amount: number; state: "pending" | "done"; refundId?: string }>;
  createdAt: string;
  updatedAt: string;
}

export const PAYMENT_SHAPE = object(
  {
    id: string,
    orderId: string,
    amount: integer,
    refunded: integer,
    currency: string,
    status: oneOf(["pending", "succeeded", "declined", "failed"] satisfies PaymentStatus[]),
    createdAt: dateTime,
  },
  [],
  "Payment",
);

export type Payments = Repository<PaymentDoc>;

/** One payment an order, by a unique index: a second charge cannot even be recorded. */
export const PAYMENT_INDEXES: IndexSpec[] = [
  { fields: ["orderId"], unique: true },
  { fields: ["userId"] },
  { fields: ["outboxPending"], range: "number" },
];

export function toPaymentView(doc: PaymentDoc): PaymentView {
  const { id, orderId, amount, refunded, currency, status, createdAt } = doc;
  return { id, orderId, amount, refunded, currency, status, createdAt };
}

export interface ProcessorChargeDoc {
  id: string;
  chargeId: string;
  amount: number;
  currency: string;
  outcome: "succeeded" | "declined";
  reason?: string;
  createdAt: string;
}

export interface ProcessorRefundDoc {
  id: string;
  refundId: string;
  chargeId: string;
  amount: number;
  createdAt: string;
}
