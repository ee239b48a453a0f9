import type { Principal } from "../../platform/actions/access";
import {
  conflict,
  ErrorType,
  invalid,
  isDuplicate,
  paymentRequired,
  unavailable,
} from "../../platform/actions/errors";
import { ShopError, PaymentDeclined } from "../../contracts/errors";
import { FailureReason } from "../../contracts/orders";
import { toOrderView, type CreateOrderInput, type OrderDoc, type OrderView } from "./model";
import { OrderStatus } from "./state";
import { SAGA_STEPS } from "./saga-steps";
import { assertSameRequest, idempotencyOf, type Idempotency } from "./idempotency";
import { pricedOrder } from "./new-order";
import { holdLease, lease, moveOrder, retrySoon, type SagaDeps } from "./order-moves";

export { isRefusal } from "./saga-steps";

/**
 * `POST /orders` (architecture §5): a repeated key answers as its first request did; a new
 * order is priced, written PENDING under this node's lease, and taken through the steps.
 */
export async function createOrder(
  deps: SagaDeps,
  caller: Principal,
  input: CreateOrderInput,
  key: string | undefined,
): Promise<OrderView> {
  const idempotency = idempotencyOf(caller, input, key);
  const first = idempotency && (await deps.orders.findOne({ idempotencyRef: idempotency.ref }));
  if (first) return replay(deps, first, idempotency);
  const order = await pricedOrder(deps.call, caller, input, idempotency, lease(deps));
  const written = await insertOrReplay(deps, order, idempotency);
  if ("replayed" in written) return written.replayed;
  deps.arrived(written.inserted);
  deps.fault("after-order-insert");
  return outcome(await runSaga(deps, written.inserted));
}

/** Each step in turn; a refusal settles the order there, anything else leaves it PENDING. */
export async function runSaga(deps: SagaDeps, order: OrderDoc): Promise<OrderDoc> {
  const kept: Partial<OrderDoc> = {};
  for (const step of SAGA_STEPS) {
    // Taken over by another node: it finishes the order, and this one answers with its state.
    if (!(await holdLease(deps, order))) return (await deps.orders.findById(order.id)) ?? order;
    try {
      Object.assign(kept, await step.run(deps.call, order));
    } catch (err) {
      const settled = step.settle(err);
      if (!settled) {
        // A service down or slow: whoever ran it, the order is tried again in a second.
        await retrySoon(deps, order.id).catch(() => undefined);
        throw err;
      }
      deps.fault("after-refusal");
      return moveOrder(deps, order, settled.status, { failureReason: settled.failureReason });
    }
    deps.fault(step.after);
  }
  return moveOrder(deps, order, OrderStatus.CONFIRMED, kept);
}

/** The new order written, or, when a twin request with the same key got in first, its answer. */
async function insertOrReplay(
  deps: SagaDeps,
  order: OrderDoc,
  idempotency: Idempotency | undefined,
): Promise<{ inserted: OrderDoc } | { replayed: OrderView }> {
  try {
    return { inserted: await deps.orders.insert(order) };
  } catch (err) {
    const first =
      idempotency && isDuplicate(err)
        ? await deps.orders.findOne({ idempotencyRef: idempotency.ref })
        : null;
    if (!first) throw err;
    return { replayed: await replay(deps, first, idempotency!) };
  }
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
  if (order.status === OrderStatus.PENDING) {
    const error = conflict(
      ErrorType.STILL_PROCESSING,
      "The order is still being processed; ask again with the same Idempotency-Key",
    );
    error.data = { orderId: order.id, retryAfter: 1 };
    throw error;
  }
  return toOrderView(order);
}

/** A retry waits this long for a first request still running: well inside a client's patience. */
const REPLAY_WAIT_MS = 1000;

async function replay(
  deps: SagaDeps,
  first: OrderDoc,
  idempotency: Idempotency,
): Promise<OrderView> {
  assertSameRequest(first, idempotency);
  let order = first;
  const deadline = Date.now() + REPLAY_WAIT_MS;
  while (order.status === OrderStatus.PENDING && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    order = (await deps.orders.findById(first.id)) ?? order;
  }
  return outcome(order);
}
