import { randomBytes } from "node:crypto";
import { Action } from "../../contracts/actions";
import { ProductKind } from "../../contracts/catalog";
import type { Principal } from "../../platform/actions/access";
import { invalid } from "../../platform/actions/errors";
import type { Call } from "../../platform/actions/typed-call";
import type { CreateOrderInput, OrderDoc } from "./model";
import { assertDistinctProducts, priceLines, type RequestedLine } from "./pricing";
import type { Idempotency } from "./idempotency";
import { OrderStatus } from "./state";

export function newOrderId(): string {
  return `ord_${randomBytes(12).toString("hex")}`;
}

/**
 * The order as it is written PENDING: its lines priced from the catalog, and, when it holds a
 * course, the learner admitted first, so one who may not take it is refused before any charge.
 */
export async function pricedOrder(
  call: Call,
  caller: Principal,
  input: CreateOrderInput,
  idempotency: Idempotency | undefined,
  lease: OrderDoc["lease"],
): Promise<OrderDoc> {
  const lines = await requestedLines(call, caller, input);
  assertDistinctProducts(lines);
  const products = await call(Action.catalog.getMany, { ids: lines.map((l) => l.productId) });
  const priced = priceLines(lines, products);
  const courses = products.filter((p) => p.kind === ProductKind.COURSE).map((p) => p.id);
  if (courses.length > 0)
    await call(Action.courses.admit, { userId: caller.id, productIds: courses });
  const now = new Date().toISOString();
  return {
    id: newOrderId(),
    userId: caller.id,
    status: OrderStatus.PENDING,
    ...priced,
    shippingAddress: input.shippingAddress,
    fromCart: input.fromCart === true,
    paymentToken: input.payment.token,
    ...(idempotency ? { idempotencyRef: idempotency.ref, requestHash: idempotency.hash } : {}),
    lease,
    history: [{ status: OrderStatus.PENDING, at: now }],
    outboxPending: 0,
    effectsPending: 0,
    createdAt: now,
    updatedAt: now,
  };
}

async function requestedLines(
  call: Call,
  caller: Principal,
  input: CreateOrderInput,
): Promise<RequestedLine[]> {
  if ((input.items === undefined) === (input.fromCart !== true))
    throw invalid([
      { field: "items", message: "Give either items or fromCart: true", type: "oneOf" },
    ]);
  if (input.items) return input.items;
  const cart = await call(Action.cart.ofUser, { userId: caller.id });
  if (cart.items.length === 0)
    throw invalid([{ field: "fromCart", message: "The cart is empty", type: "emptyCart" }]);
  return cart.items;
}
