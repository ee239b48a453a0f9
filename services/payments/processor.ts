import { ownValue } from "../../platform/data/own-value";
import { randomUUID } from "node:crypto";
import type { Repository } from "../../platform/data/repository";
import { PaymentFailureReason } from "../../contracts/payments";
import { ProcessorChargeDoc, ProcessorRefundDoc } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

export interface ChargeRequest {
  /** The processor runs one charge per key, however often it is asked. */
  idempotencyKey: string;
  amount: number;
  currency: string;
  token: string;
}

export type ChargeOutcome =
  { status: "succeeded"; chargeId: string } | { status: "declined"; reason: string };

export interface RefundRequest {
  idempotencyKey: string;
  chargeId: string;
  amount: number;
}

/** The processor could not answer (network, its own outage): safe to ask again, same key. */
export class TransientProcessorError extends Error {
  constructor(message = "The payment processor did not answer") {
    super(message);
    this.name = "TransientProcessorError";
  }
}

/** What a real payment provider implements to stand in for the simulator. */
export interface PaymentProcessor {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

/** Test-mode card tokens, after the conventions payment processors use. */
const DECLINES: Record<string, string> = {
  tok_chargeDeclined: PaymentFailureReason.CARD_DECLINED,
  tok_insufficientFunds: PaymentFailureReason.INSUFFICIENT_FUNDS,
};
const TRANSIENT = "tok_processingError";
const SUCCEEDS = "tok_visa";

/**
 * The built-in processor. Its ledger is durable and keyed by idempotency key, as a real
 * processor's is, so a charge asked for twice is made once, across restarts too.
 */
export class SimulatedProcessor implements PaymentProcessor {
  constructor(
    private readonly charges: Repository<ProcessorChargeDoc>,
    private readonly refunds: Repository<ProcessorRefundDoc>,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    if (request.token === TRANSIENT) throw new TransientProcessorError();
    const earlier = await this.charges.findById(request.idempotencyKey);
    if (earlier) return outcomeOf(earlier);
    const declined =
      request.token === SUCCEEDS
        ? undefined
        : (ownValue(DECLINES, request.token) ?? PaymentFailureReason.INVALID_TOKEN);
    const record = {
      id: request.idempotencyKey,
      chargeId: `ch_${randomUUID().replace(/-/g, "")}`,
      amount: request.amount,
      currency: request.currency,
      outcome: declined ? ("declined" as const) : ("succeeded" as const),
      reason: declined,
      createdAt: new Date().toISOString(),
    };
    const inserted = await insertIfAbsent(this.charges, record);
    if (inserted) return outcomeOf(record);
    return outcomeOf((await this.charges.findById(request.idempotencyKey))!);
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const earlier = await this.refunds.findById(request.idempotencyKey);
    if (earlier) return { refundId: earlier.refundId };
    const refundId = `re_${randomUUID().replace(/-/g, "")}`;
    const inserted = await insertIfAbsent(this.refunds, {
      id: request.idempotencyKey,
      refundId,
      chargeId: request.chargeId,
      amount: request.amount,
      createdAt: new Date().toISOString(),
    });
    if (inserted) return { refundId };
    return { refundId: (await this.refunds.findById(request.idempotencyKey))!.refundId };
  }
}

function outcomeOf(doc: ProcessorChargeDoc): ChargeOutcome {
  return doc.outcome === "succeeded"
    ? { status: "succeeded", chargeId: doc.chargeId }
    : { status: "declined", reason: doc.reason ?? PaymentFailureReason.CARD_DECLINED };
}
