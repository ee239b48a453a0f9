import {
  conflict,
  ErrorType,
  invalid,
  unavailable,
  paymentRequired,
} from "../../platform/actions/errors";
import { withEvents } from "../../platform/messaging/outbox";
import { TransientProcessorError, type PaymentProcessor } from "./processor";
import type { ChargeInput, PaymentStatus, PaymentView } from "../../contracts/payments";
import { PaymentDeclined } from "../../contracts/errors";
import { Channel, type ChannelEvent } from "../../contracts/channels";
import { PaymentFailureReason } from "../../contracts/payments";
import { PaymentDoc, Payments } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

export type { ChargeInput, PaymentStatus, PaymentView };

/** Transient processor errors are asked again with the same key after these waits. */
const RETRY_DELAYS_MS = [50, 150, 400];

async function askWithRetries<T>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ask();
    } catch (err) {
      if (!(err instanceof TransientProcessorError) || attempt >= RETRY_DELAYS_MS.length) throw err;
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
    }
  }
}

async function openPayment(payments: Payments, input: ChargeInput): Promise<PaymentDoc> {
  const now = new Date().toISOString();
  const { token: _token, ...fields } = input;
  const inserted = await insertIfAbsent(payments, {
    ...fields,
    refunded: 0,
    status: "pending",
    createdAt: now,
    updatedAt: now,
  });
  if (inserted) return inserted;
  return (await payments.findOne({ orderId: input.orderId }))!;
}

/**
 * Charges an order once, however often it is asked: a settled payment answers with its
 * outcome; a pending one (a crash mid-charge) asks the processor again with the same key,
 * which the processor honours once.
 */
export async function chargeOrder(
  payments: Payments,
  processor: PaymentProcessor,
  input: ChargeInput,
): Promise<PaymentDoc> {
  const payment =
    (await payments.findOne({ orderId: input.orderId })) ?? (await openPayment(payments, input));
  if (payment.status === "succeeded") return payment;
  if (payment.status === "declined")
    throw paymentRequired(PaymentDeclined, {
      orderId: input.orderId,
      reason: payment.failureReason ?? PaymentFailureReason.CARD_DECLINED,
    });
  if (payment.amount !== input.amount || payment.currency !== input.currency)
    throw conflict(ErrorType.INVALID_STATE, "This order was charged for another amount");

  let outcome;
  try {
    outcome = await askWithRetries(() =>
      processor.charge({
        idempotencyKey: `charge:${input.orderId}`,
        amount: input.amount,
        currency: input.currency,
        token: input.token,
      }),
    );
  } catch (err) {
    if (!(err instanceof TransientProcessorError)) throw err;
    await settle(payments, payment, "failed", {
      failureReason: PaymentFailureReason.PROCESSING_ERROR,
    });
    throw unavailable("The payment processor is not answering; try again later", {
      reason: PaymentFailureReason.PROCESSING_ERROR,
      orderId: input.orderId,
    });
  }
  if (outcome.status === "declined") {
    await settle(payments, payment, "declined", { failureReason: outcome.reason });
    throw paymentRequired(PaymentDeclined, { orderId: input.orderId, reason: outcome.reason });
  }
  return settle(payments, payment, "succeeded", { chargeId: outcome.chargeId });
}

async function settle(
  payments: Payments,
  payment: PaymentDoc,
  status: PaymentStatus,
  fields: Record<string, unknown>,
): Promise<PaymentDoc> {
  const type = status === "succeeded" ? Channel.PAYMENTS_SUCCEEDED : Channel.PAYMENTS_FAILED;
  const data = {
    paymentId: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    amount: payment.amount,
    currency: payment.currency,
    status,
    ...("failureReason" in fields ? { reason: String(fields.failureReason) } : {}),
  };
  const update = withEvents({ $set: { status, ...fields, updatedAt: new Date().toISOString() } }, [
    { type, data },
  ]);
  const settled = await payments.findOneAndUpdate(
    { id: payment.id, status: { $in: ["pending", "failed"] } },
    update,
  );
  return settled ?? (await payments.findById(payment.id))!;
}

/**
 * Refunds part or all of an order's charge, never more than was charged. `refundKey` makes
 * it idempotent: the amount is set aside under that key first (atomically, against the
 * refunded total the check saw), then the processor is asked, then the refund is marked done.
 * Asked again after a crash, it picks up where it stopped.
 */
export async function refundOrder(
  payments: Payments,
  processor: PaymentProcessor,
  /** The refund's audit record, written with the refund's own mark of done. */
  audit: (change: { before: object; after: object }) => ChannelEvent,
  orderId: string,
  refundKey: string,
  amount?: number,
): Promise<PaymentDoc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const payment = await payments.findOne({ orderId });
    if (!payment || payment.status !== "succeeded" || !payment.chargeId)
      throw conflict(ErrorType.INVALID_STATE, "This order has no successful charge to refund");
    const existing = payment.refunds?.[refundKey];
    if (existing?.state === "done") return payment;
    if (!existing) {
      const wanted = amount ?? payment.amount - payment.refunded;
      if (wanted <= 0 || payment.refunded + wanted > payment.amount)
        throw invalid([
          {
            field: "amount",
            message: "A refund cannot exceed what is left of the charge",
            type: "refund",
          },
        ]);
      const setAside = await payments.updateOne(
        {
          id: payment.id,
          refunded: payment.refunded,
          [`refunds.${refundKey}`]: { $exists: false },
        },
        {
          $inc: { refunded: wanted },
          $set: {
            [`refunds.${refundKey}`]: { amount: wanted, state: "pending" },
            updatedAt: new Date().toISOString(),
          },
        },
      );
      if (!setAside) continue; // another refund moved the total: look again
    }
    const pending = (await payments.findById(payment.id))!;
    const entry = pending.refunds![refundKey];
    const { refundId } = await askWithRetries(() =>
      processor.refund({
        idempotencyKey: `refund:${orderId}:${refundKey}`,
        chargeId: pending.chargeId!,
        amount: entry.amount,
      }),
    );
    const refundedAt = new Date().toISOString();
    const update = withEvents(
      {
        $set: {
          [`refunds.${refundKey}`]: { ...entry, state: "done", refundId },
          updatedAt: refundedAt,
        },
      },
      [
        {
          type: Channel.PAYMENTS_REFUNDED,
          data: {
            paymentId: pending.id,
            orderId,
            userId: pending.userId,
            amount: entry.amount,
            currency: pending.currency,
            refundedAt,
            refundId,
          },
        },
        audit({
          before: { refunded: pending.refunded - entry.amount },
          after: { refunded: pending.refunded, amount: entry.amount, refundKey, refundId },
        }),
      ],
    );
    await payments.updateOne({ id: pending.id, [`refunds.${refundKey}.state`]: "pending" }, update);
    return (await payments.findById(pending.id))!;
  }
  throw unavailable("The refund could not be recorded; try again");
}
