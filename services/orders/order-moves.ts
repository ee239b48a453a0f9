import type { ChannelEvent } from "../../contracts/channels";
import type { Call } from "../../platform/actions/typed-call";
import { callNamed } from "../../platform/actions/typed-call";
import type { Repository } from "../../platform/data/repository";
import { conflict, ErrorType, notFound } from "../../platform/actions/errors";
import { markEffectDone, pendingEffects, withEvents } from "../../platform/messaging/outbox";
import type { OrderDoc } from "./model";
import { effectCall, effectsOf, type Effect } from "./saga-steps";
import { canTransition, eventOf, OrderStatus } from "./state";

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

export function lease(deps: SagaDeps): { owner: string; until: string } {
  return { owner: deps.nodeId, until: new Date(Date.now() + deps.staleMs).toISOString() };
}

/** How soon an order whose saga met a service down is tried again (by any node). */
const RETRY_SOON_MS = 1000;

/**
 * A saga stopped by a service that is down or slow: the lease is cut short, so the recovery loop
 * (of this node or another) tries again in a second, not when a whole lease has run out.
 */
export async function retrySoon(deps: SagaDeps, orderId: string): Promise<void> {
  await deps.orders.updateOne(
    { id: orderId, status: OrderStatus.PENDING, "lease.owner": deps.nodeId },
    { $set: { "lease.until": new Date(Date.now() + RETRY_SOON_MS).toISOString() } },
  );
}

/**
 * Whether this node still owns the order it runs: a lease past half its time is renewed, on
 * condition that nobody took it meanwhile (a node that was cut off and came back stops here).
 * A fresh lease costs nothing to check.
 */
export async function holdLease(deps: SagaDeps, order: OrderDoc): Promise<boolean> {
  const until = order.lease ? Date.parse(order.lease.until) : 0;
  if (order.lease?.owner === deps.nodeId && until - Date.now() > deps.staleMs / 2) return true;
  const renewed = await deps.orders.findOneAndUpdate(
    { id: order.id, status: OrderStatus.PENDING, "lease.owner": deps.nodeId },
    { $set: { lease: lease(deps) } },
  );
  if (renewed) order.lease = renewed.lease;
  return renewed !== null;
}

/** Moves an order from the state it was read in, with its event and effects, atomically. */
async function arrive(
  deps: SagaDeps,
  order: OrderDoc,
  to: OrderStatus,
  fields: Record<string, unknown> = {},
  /** More events the move carries (its audit record), told only if the move is made. */
  also: ChannelEvent[] = [],
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
    [...(event ? [{ type: event, data } as ChannelEvent] : []), ...also],
    effectsOf(to, order),
  );
  // An order in flight is settled only by the node that holds its lease.
  const inFlight = order.status === OrderStatus.PENDING;
  const moved = await deps.orders.findOneAndUpdate(
    { id: order.id, status: order.status, ...(inFlight ? { "lease.owner": deps.nodeId } : {}) },
    update,
  );
  if (!moved) {
    // Someone else moved it first (a twin request, the node that took it over): theirs stands,
    // and the saga's caller answers with it (still processing, or how it settled).
    const current = await deps.orders.findById(order.id);
    if (!current) throw notFound("Order");
    if (current.status === to || inFlight) return current;
    throw conflict(ErrorType.INVALID_STATE, `The order is ${current.status} now`);
  }
  deps.fault("after-confirm-write");
  deps.arrived(moved);
  return moved;
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
  also: ChannelEvent[] = [],
): Promise<OrderDoc> {
  const moved = await arrive(deps, order, to, fields, also);
  try {
    await runEffects(deps, moved);
  } catch {
    // Left pending: the effect loop finishes it.
  }
  // Effects change only `effects.*`, which no answer shows: no need to read the order again.
  return moved;
}

/** Runs an order's pending effects; each is idempotent, so a repeat after a crash is safe. */
export async function runEffects(deps: SagaDeps, order: OrderDoc): Promise<void> {
  for (const effect of pendingEffects(order) as Effect[]) {
    await callNamed(deps.call, effectCall(effect, order));
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
