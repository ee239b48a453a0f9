import { Action, type ActionCall } from "../../contracts/actions";
import { ShopError } from "../../contracts/errors";
import { FailureReason } from "../../contracts/orders";
import { hasType, isRequestRefused } from "../../platform/actions/errors";
import type { Call } from "../../platform/actions/typed-call";
import type { OrderDoc } from "./model";
import { OrderStatus } from "./state";

/** How a refused step settles the order: where it ends, and why. */
export interface Settlement {
  status: typeof OrderStatus.REJECTED | typeof OrderStatus.PAYMENT_FAILED;
  failureReason: string;
}

/** Work on another service that follows the order's arrival somewhere, run until done. */
export interface StepEffect {
  name: Effect;
  call(order: OrderDoc): ActionCall;
  /** Only for some orders (a refund only of a payment). */
  applies?(order: { fromCart?: boolean; paymentId?: string }): boolean;
}

export type Effect = "commitStock" | "releaseStock" | "clearCart" | "refund" | "restock";

/**
 * One step of the saga (architecture §5), whole: what it asks, how a refusal settles the order,
 * and what follows it at each end. Every call is safe to repeat, so a recovery reruns the steps.
 */
export interface SagaStep {
  name: string;
  /** Asks the other service; answers what the order keeps from it when it confirms. */
  run(call: Call, order: OrderDoc): Promise<Partial<OrderDoc>>;
  /** A refusal that settles the order here; undefined: not one (down, slow), so it waits. */
  settle(err: unknown): Settlement | undefined;
  /** When the order confirms: what makes the step's work final. */
  onConfirmed?: StepEffect;
  /** When the saga fails after this step (or in it): what gives its work back. */
  onFailed?: StepEffect;
  /** When a confirmed order is cancelled: what undoes the step. */
  onCancelled?: StepEffect;
  /** Test-only crash point right after the step (FAULT_INJECTION). */
  after: "after-reserve" | "after-charge";
}

/**
 * A refusal is told by class (`isRequestRefused`): a client error, rebuilt as one across nodes.
 * Anything else (down, slow, busy) is no settlement: the order waits for the recovery loop.
 */
export const isRefusal = isRequestRefused;

export const RESERVE: SagaStep = {
  name: "reserve",
  async run(call, order) {
    const items = order.items.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    await call(Action.catalog.reserve, { orderId: order.id, items });
    return {};
  },
  settle(err) {
    if (hasType(err, ShopError.OUT_OF_STOCK))
      return { status: OrderStatus.REJECTED, failureReason: FailureReason.OUT_OF_STOCK };
    if (isRefusal(err))
      return { status: OrderStatus.REJECTED, failureReason: FailureReason.REFUSED };
    return undefined;
  },
  onConfirmed: { name: "commitStock", call: (o) => [Action.catalog.commit, { orderId: o.id }] },
  onFailed: { name: "releaseStock", call: (o) => [Action.catalog.release, { orderId: o.id }] },
  onCancelled: { name: "restock", call: (o) => [Action.catalog.restock, { orderId: o.id }] },
  after: "after-reserve",
};

export const CHARGE: SagaStep = {
  name: "charge",
  async run(call, order) {
    // Nothing to charge: a free order confirms with no payment.
    if (order.total === 0) return {};
    const payment = await call(Action.payments.charge, {
      orderId: order.id,
      userId: order.userId,
      amount: order.total,
      currency: order.currency,
      token: order.paymentToken ?? "",
    });
    return { paymentId: payment.id };
  },
  settle(err) {
    const reason = (err as { data?: { reason?: string } } | null)?.data?.reason;
    if (hasType(err, ShopError.PAYMENT_DECLINED))
      return {
        status: OrderStatus.PAYMENT_FAILED,
        failureReason: reason ?? FailureReason.DECLINED,
      };
    if (reason === FailureReason.PROCESSING_ERROR)
      return { status: OrderStatus.PAYMENT_FAILED, failureReason: FailureReason.PROCESSING_ERROR };
    if (isRefusal(err))
      return { status: OrderStatus.PAYMENT_FAILED, failureReason: FailureReason.REFUSED };
    return undefined;
  },
  // A refused charge took nothing, and a charge that went through is the last step: only a
  // cancellation gives money back.
  onCancelled: {
    name: "refund",
    call: (o) => [Action.payments.refund, { orderId: o.id, refundKey: "cancel" }],
    applies: (o) => o.paymentId !== undefined,
  },
  after: "after-charge",
};

export const SAGA_STEPS: readonly SagaStep[] = [RESERVE, CHARGE];

/** Not a step's: an order placed from the cart empties it once confirmed. */
const CLEAR_CART: StepEffect = {
  name: "clearCart",
  call: (o) => [Action.cart.clearOfUser, { userId: o.userId }],
  applies: (o) => o.fromCart === true,
};

function effectsAt(status: OrderStatus): StepEffect[] {
  const reversed = [...SAGA_STEPS].reverse();
  switch (status) {
    case OrderStatus.CONFIRMED:
      return [...SAGA_STEPS.map((s) => s.onConfirmed), CLEAR_CART].filter(isEffect);
    case OrderStatus.REJECTED:
    case OrderStatus.PAYMENT_FAILED:
      // Undone last step first, as a saga compensates.
      return reversed.map((s) => s.onFailed).filter(isEffect);
    case OrderStatus.CANCELLED:
      return reversed.map((s) => s.onCancelled).filter(isEffect);
    default:
      return [];
  }
}

const isEffect = (effect: StepEffect | undefined): effect is StepEffect => effect !== undefined;

/** The effects that follow an order's arrival at `status`, by name, each idempotent. */
export function effectsOf(
  status: OrderStatus,
  order: { fromCart?: boolean; paymentId?: string },
): Effect[] {
  return effectsAt(status)
    .filter((effect) => effect.applies?.(order) ?? true)
    .map((effect) => effect.name);
}

const EFFECTS_BY_NAME = new Map(
  [...SAGA_STEPS.flatMap((s) => [s.onConfirmed, s.onFailed, s.onCancelled]), CLEAR_CART]
    .filter(isEffect)
    .map((effect) => [effect.name, effect]),
);

/** The call an effect kept on the order by name makes. */
export function effectCall(name: Effect, order: OrderDoc): ActionCall {
  const effect = EFFECTS_BY_NAME.get(name);
  if (!effect) throw new Error(`No step declares the effect ${name}`);
  return effect.call(order);
}
