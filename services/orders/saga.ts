import type { ActionCall } from "../../contracts/actions";
import { callNamed, type Call } from "../../platform/actions/typed-call";
import { createHash, randomBytes } from "node:crypto";
import { Errors } from "moleculer";
import type { Principal } from "../../platform/actions/access";
import type { Repository } from "../../platform/data/repository";
import {
  conflict,
  ErrorType,
  invalid,
  notFound,
  unavailable,
  isDuplicate,
  isRequestRefused,
  paymentRequired,
  hasType,
} from "../../platform/actions/errors";
import { markEffectDone, pendingEffects, withEvents } from "../../platform/messaging/outbox";
import { assertDistinctProducts, priceLines, type RequestedLine } from "./pricing";
import { toOrderView, type CreateOrderInput, type OrderDoc, type OrderView } from "./model";
import { canTransition, effectsOf, eventOf, OrderStatus, type Effect } from "./state";
import { ShopError, PaymentDeclined } from "../../contracts/errors";
import { Action } from "../../contracts/actions";
import { FailureReason } from "../../contracts/orders";
import { ProductKind } from "../../contracts/catalog";

export type Orders = Repository<OrderDoc>;

/** What the saga needs from its service: the store, calls to others, and its hooks. */
export interface SagaDeps {
  orders: Orders;
  call: Call;
  nodeId: string;
  staleMs: number;
  /** Test-only crash points; a no-op unless FAULT_INJECTION names the point. */
  fault(point: string): void;
  /** An order arrived somewhere: count it, and wake the relay and effect loops. */
  arrived(order: OrderDoc): void;
}

type Failure = Error & {
  code?: number;
  type?: string;
  retryable?: boolean;
  data?: { reason?: string };
};

/**
 * A step refused the order itself (a 4xx that is not "try again"), as opposed to being down or
 * slow. The order then settles as failed and compensates, rather than waiting for a recovery
 * that can never succeed; a step that is down leaves it PENDING for the recovery loop.
 */
export function isRefusal(err: unknown): boolean {
  return isRequestRefused(err);
}

export function newOrderId(): string {
  return `ord_${randomBytes(12).toString("hex")}`;
}

/** The same request body, whatever its key order, hashes the same. */
export function requestHash(input: CreateOrderInput): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return createHash("sha256")
    .update(JSON.stringify(canonical(input)))
    .digest("hex");
}

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function assertIdempotencyKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key))
    throw invalid([
      {
        field: "Idempotency-Key",
        message: "1 to 255 visible ASCII characters",
        type: "idempotencyKey",
      },
    ]);
  return key;
}

function lease(deps: SagaDeps) {
  return { owner: deps.nodeId, until: new Date(Date.now() + deps.staleMs).toISOString() };
}

/** Moves an order from the state it was read in, with its event and effects, atomically. */
async function arrive(
  deps: SagaDeps,
  order: OrderDoc,
  to: OrderStatus,
  fields: Record<string, unknown> = {},
): Promise<OrderDoc> {
  if (!canTransition(order.status, to))
    throw conflict(ErrorType.INVALID_STATE, `An order ${order.status} cannot become ${to}`);
  const now = new Date().toISOString();
  const event = eventOf(to);
  const data = {
    orderId: order.id,
    userId: order.userId,
    status: to,
    items: order.items,
    total: order.total,
    currency: order.currency,
    createdAt: order.createdAt,
    ...fields,
  };
  const update = withEvents(
    {
      $set: { status: to, updatedAt: now, ...fields },
      $push: { history: { status: to, at: now } },
      ...(order.status === OrderStatus.PENDING
        ? { $unset: { paymentToken: true, lease: true } as Record<string, true> }
        : {}),
    },
    event ? [{ type: event, data }] : [],
    effectsOf(to, order),
  );
  const moved = await deps.orders.findOneAndUpdate({ id: order.id, status: order.status }, update);
  if (!moved) {
    // Someone else moved it first (a twin request, the recovery loop): theirs stands.
    const current = await deps.orders.findById(order.id);
    if (!current) throw notFound("Order");
    if (current.status === to) return current;
    throw conflict(ErrorType.INVALID_STATE, `The order is ${current.status} now`);
  }
  deps.fault("after-confirm-write");
  deps.arrived(moved);
  return moved;
}

/**
 * Reserve, charge, confirm (architecture §5), each step safe to repeat. A client-side failure
 * settles the order (REJECTED, PAYMENT_FAILED) and compensates through effects; anything
 * else (a service down, a timeout) leaves it PENDING for the recovery loop to finish.
 */
export async function runSaga(deps: SagaDeps, order: OrderDoc): Promise<OrderDoc> {
  try {
    await deps.call(Action.catalog.reserve, {
      orderId: order.id,
      items: order.items.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    });
  } catch (err) {
    if (hasType(err, ShopError.OUT_OF_STOCK))
      return moveOrder(deps, order, OrderStatus.REJECTED, {
        failureReason: FailureReason.OUT_OF_STOCK,
      });
    if (isRefusal(err))
      return moveOrder(deps, order, OrderStatus.REJECTED, { failureReason: FailureReason.REFUSED });
    throw err;
  }
  deps.fault("after-reserve");
  // Nothing to charge: a free order confirms with no payment.
  if (order.total === 0) return moveOrder(deps, order, OrderStatus.CONFIRMED);

  let paymentId: string;
  try {
    const payment = await deps.call(Action.payments.charge, {
      orderId: order.id,
      userId: order.userId,
      amount: order.total,
      currency: order.currency,
      token: order.paymentToken ?? "",
    });
    paymentId = payment.id;
  } catch (err) {
    const failure = err as Failure;
    if (hasType(failure, ShopError.PAYMENT_DECLINED))
      return moveOrder(deps, order, OrderStatus.PAYMENT_FAILED, {
        failureReason: failure.data?.reason ?? FailureReason.DECLINED,
      });
    if (failure.data?.reason === FailureReason.PROCESSING_ERROR)
      return moveOrder(deps, order, OrderStatus.PAYMENT_FAILED, {
        failureReason: FailureReason.PROCESSING_ERROR,
      });
    if (isRefusal(err))
      return moveOrder(deps, order, OrderStatus.PAYMENT_FAILED, {
        failureReason: FailureReason.REFUSED,
      });
    throw err;
  }
  deps.fault("after-charge");
  return moveOrder(deps, order, OrderStatus.CONFIRMED, { paymentId });
}

/** What the client is told about a settled order: the same the first time and on replay. */
export function outcome(order: OrderDoc): OrderView {
  // No internal step's parameter names reach the client: only that the order was refused.
  if (order.failureReason === FailureReason.REFUSED)
    throw invalid(
      [{ field: "items", message: "This order cannot be placed as given", type: "refused" }],
      "The order could not be placed",
    );
  if (order.status === OrderStatus.REJECTED) {
    const error = conflict(ShopError.OUT_OF_STOCK, "Not enough stock for this order");
    error.data = { orderId: order.id };
    throw error;
  }
  if (order.status === OrderStatus.PAYMENT_FAILED) {
    if (order.failureReason === FailureReason.PROCESSING_ERROR)
      throw unavailable("The payment processor is not answering; the order was not charged");
    throw paymentRequired(PaymentDeclined, { orderId: order.id, reason: order.failureReason });
  }
  if (order.status === OrderStatus.PENDING)
    throw conflict(
      ErrorType.INVALID_STATE,
      "The order is still being processed; ask again shortly",
    );
  return toOrderView(order);
}

const REPLAY_WAIT_MS = 5000;

async function replay(deps: SagaDeps, first: OrderDoc, hash: string): Promise<OrderView> {
  if (first.requestHash !== hash) throw keyReused();
  let order = first;
  const deadline = Date.now() + REPLAY_WAIT_MS;
  while (order.status === OrderStatus.PENDING && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    order = (await deps.orders.findById(first.id)) ?? order;
  }
  return outcome(order);
}

function keyReused() {
  const error = new Errors.MoleculerClientError(
    "This Idempotency-Key was used with a different request",
    422,
    ErrorType.IDEMPOTENCY_KEY_REUSED,
  );
  error.name = "IdempotencyKeyReusedError";
  return error;
}

export async function createOrder(
  deps: SagaDeps,
  caller: Principal,
  input: CreateOrderInput,
  idempotencyKey: string | undefined,
): Promise<OrderView> {
  const hash = requestHash(input);
  const idempotencyRef = idempotencyKey ? `${caller.id}:${idempotencyKey}` : undefined;
  if (idempotencyRef) {
    const first = await deps.orders.findOne({ idempotencyRef });
    if (first) return replay(deps, first, hash);
  }

  const lines = await requestedLines(deps, caller, input);
  assertDistinctProducts(lines);
  const products = await deps.call(Action.catalog.getMany, {
    ids: lines.map((l) => l.productId),
  });
  const priced = priceLines(lines, products);
  // Courses ask first: a learner who may not take one is refused before anything is charged.
  const courses = products.filter((p) => p.kind === ProductKind.COURSE).map((p) => p.id);
  if (courses.length > 0)
    await deps.call(Action.courses.admit, { userId: caller.id, productIds: courses });

  const now = new Date().toISOString();
  let order: OrderDoc;
  try {
    order = await deps.orders.insert({
      id: newOrderId(),
      userId: caller.id,
      status: OrderStatus.PENDING,
      ...priced,
      shippingAddress: input.shippingAddress,
      fromCart: input.fromCart === true,
      paymentToken: input.payment.token,
      ...(idempotencyRef ? { idempotencyRef, requestHash: hash } : {}),
      lease: lease(deps),
      history: [{ status: OrderStatus.PENDING, at: now }],
      outboxPending: 0,
      effectsPending: 0,
      createdAt: now,
      updatedAt: now,
    });
  } catch (err) {
    // A twin request with the same key got in first: answer as it will.
    if (idempotencyRef && isDuplicate(err)) {
      const first = await deps.orders.findOne({ idempotencyRef });
      if (first) return replay(deps, first, hash);
    }
    throw err;
  }
  deps.arrived(order);
  deps.fault("after-order-insert");
  return outcome(await runSaga(deps, order));
}

async function requestedLines(
  deps: SagaDeps,
  caller: Principal,
  input: CreateOrderInput,
): Promise<RequestedLine[]> {
  if ((input.items === undefined) === (input.fromCart !== true))
    throw invalid([
      { field: "items", message: "Give either items or fromCart: true", type: "oneOf" },
    ]);
  if (input.items) return input.items;
  const cart = await deps.call(Action.cart.ofUser, { userId: caller.id });
  if (cart.items.length === 0)
    throw invalid([{ field: "fromCart", message: "The cart is empty", type: "emptyCart" }]);
  return cart.items;
}

/**
 * Finishes PENDING orders whose worker stopped (a crash, a lost node): it takes the lease,
 * then runs the same saga, whose steps are all safe to repeat.
 */
export async function recoverStaleOrders(deps: SagaDeps, limit = 20): Promise<number> {
  const now = new Date().toISOString();
  const stale = await deps.orders.find(
    { status: OrderStatus.PENDING, "lease.until": { $lt: now } },
    { limit },
  );
  let recovered = 0;
  for (const order of stale) {
    const taken = await deps.orders.findOneAndUpdate(
      { id: order.id, status: OrderStatus.PENDING, "lease.until": order.lease!.until },
      { $set: { lease: lease(deps) } },
    );
    if (!taken) continue;
    try {
      await runSaga(deps, taken);
      recovered++;
    } catch {
      // Still blocked (a service down): the lease runs out and a later pass tries again.
    }
  }
  return recovered;
}

const EFFECT_CALLS: Record<Effect, (order: OrderDoc) => ActionCall> = {
  commitStock: (o) => [Action.catalog.commit, { orderId: o.id }],
  releaseStock: (o) => [Action.catalog.release, { orderId: o.id }],
  clearCart: (o) => [Action.cart.clearOfUser, { userId: o.userId }],
  refund: (o) => [Action.payments.refund, { orderId: o.id, refundKey: "cancel" }],
  restock: (o) => [Action.catalog.restock, { orderId: o.id }],
};

/** Runs an order's pending effects; each is idempotent, so a repeat after a crash is safe. */
export async function runEffects(deps: SagaDeps, order: OrderDoc): Promise<void> {
  for (const effect of pendingEffects(order) as Effect[]) {
    await callNamed(deps.call, EFFECT_CALLS[effect](order));
    await markEffectDone(deps.orders, order.id, effect);
  }
}

export async function runPendingEffects(deps: SagaDeps, limit = 50): Promise<void> {
  for (const order of await deps.orders.find({ effectsPending: { $gt: 0 } }, { limit })) {
    try {
      await runEffects(deps, order);
    } catch {
      // A service is down: the effect stays pending for the next pass.
    }
  }
}

/**
 * Moves an order and runs the effects of its arrival at once, so the client's answer already
 * reflects them (stock back after a decline); if a service is down, the effect loop finishes.
 */
export async function moveOrder(
  deps: SagaDeps,
  order: OrderDoc,
  to: OrderStatus,
  fields: Record<string, unknown> = {},
): Promise<OrderDoc> {
  const moved = await arrive(deps, order, to, fields);
  try {
    await runEffects(deps, moved);
  } catch {
    // Left pending: the effect loop finishes it.
  }
  // Effects change only `effects.*`, which no answer shows: no need to read the order again.
  return moved;
}
