import { Errors } from "moleculer";
import { Action } from "../../contracts/actions";
import { PaymentDeclined, ShopError } from "../../contracts/errors";
import { FailureReason } from "../../contracts/orders";
import {
  conflict,
  invalid,
  notFound,
  paymentRequired,
  unavailable,
} from "../../platform/actions/errors";
import type { Call } from "../../platform/actions/typed-call";
import type { OrderDoc } from "../../services/orders/model";
import {
  CHARGE,
  effectCall,
  effectsOf,
  RESERVE,
  SAGA_STEPS,
} from "../../services/orders/saga-steps";

const order = {
  id: "ord_1",
  userId: "u1",
  items: [{ productId: "p1", quantity: 2, price: 500, name: "Tea" }],
  total: 1000,
  currency: "EUR",
  paymentToken: "tok_visa",
} as unknown as OrderDoc;

/** The calls a step makes, answered as the other service would. */
function recordingCall(answer: unknown = {}) {
  const calls: [string, unknown][] = [];
  const call = (async (action: string, params: unknown) => {
    calls.push([action, params]);
    return answer;
  }) as unknown as Call;
  return { call, calls };
}

describe("the saga's steps", () => {
  test("When the saga runs, then it reserves, then charges", () => {
    expect(SAGA_STEPS.map((s) => s.name)).toEqual(["reserve", "charge"]);
  });

  test("When stock is reserved, then the order's lines are asked for under its id", async () => {
    const { call, calls } = recordingCall();
    expect(await RESERVE.run(call, order)).toEqual({});
    expect(calls).toEqual([
      [Action.catalog.reserve, { orderId: "ord_1", items: [{ productId: "p1", quantity: 2 }] }],
    ]);
  });

  test("When the order is charged, then its total goes to the card and the order keeps the payment; a free order is charged nothing", async () => {
    const { call, calls } = recordingCall({ id: "pay_1" });
    expect(await CHARGE.run(call, order)).toEqual({ paymentId: "pay_1" });
    expect(calls).toEqual([
      [
        Action.payments.charge,
        { orderId: "ord_1", userId: "u1", amount: 1000, currency: "EUR", token: "tok_visa" },
      ],
    ]);
    const free = recordingCall();
    expect(await CHARGE.run(free.call, { ...order, total: 0 })).toEqual({});
    expect(free.calls).toEqual([]);
  });

  test("When a reservation is refused, then out of stock rejects the order as such, any other refusal as refused", () => {
    expect(RESERVE.settle(conflict(ShopError.OUT_OF_STOCK, "none left"))).toEqual({
      status: "REJECTED",
      failureReason: FailureReason.OUT_OF_STOCK,
    });
    expect(RESERVE.settle(notFound("Product"))).toEqual({
      status: "REJECTED",
      failureReason: FailureReason.REFUSED,
    });
  });

  test("When a charge is refused, then a decline keeps the processor's reason, a processing error says so, and any other refusal is refused", () => {
    const declined = paymentRequired(PaymentDeclined, { orderId: "ord_1", reason: "card_expired" });
    expect(CHARGE.settle(declined)).toEqual({
      status: "PAYMENT_FAILED",
      failureReason: "card_expired",
    });
    const processing = unavailable("processor", { reason: FailureReason.PROCESSING_ERROR });
    expect(CHARGE.settle(processing)).toEqual({
      status: "PAYMENT_FAILED",
      failureReason: FailureReason.PROCESSING_ERROR,
    });
    expect(CHARGE.settle(invalid([{ field: "amount", message: "too big", type: "max" }]))).toEqual({
      status: "PAYMENT_FAILED",
      failureReason: FailureReason.REFUSED,
    });
  });

  test("When a step is down or slow, then nothing is settled: the order waits for recovery", () => {
    for (const step of SAGA_STEPS) {
      expect(step.settle(new Errors.RequestTimeoutError({ action: "x", nodeID: "n" }))).toBe(
        undefined,
      );
      expect(step.settle(unavailable())).toBe(undefined);
      expect(step.settle(new Error("socket hang up"))).toBe(undefined);
    }
  });

  test("When an order is cancelled, then the steps are undone last first: the refund, then the stock", () => {
    expect(effectsOf("CANCELLED", { paymentId: "pay_1" })).toEqual(["refund", "restock"]);
    expect(effectCall("refund", order)).toEqual([
      Action.payments.refund,
      { orderId: "ord_1", refundKey: "cancel" },
    ]);
    expect(effectCall("restock", order)).toEqual([Action.catalog.restock, { orderId: "ord_1" }]);
    expect(effectCall("releaseStock", order)).toEqual([
      Action.catalog.release,
      { orderId: "ord_1" },
    ]);
    expect(effectCall("clearCart", order)).toEqual([Action.cart.clearOfUser, { userId: "u1" }]);
  });
});
