import { canTransition, eventOf, isSettled, OrderStatus } from "../../services/orders/state";
import { effectsOf } from "../../services/orders/saga-steps";

const ALL = Object.values(OrderStatus);
const ALLOWED: [OrderStatus, OrderStatus][] = [
  ["PENDING", "CONFIRMED"],
  ["PENDING", "REJECTED"],
  ["PENDING", "PAYMENT_FAILED"],
  ["CONFIRMED", "SHIPPED"],
  ["CONFIRMED", "CANCELLED"],
  ["SHIPPED", "DELIVERED"],
];
const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
const FORBIDDEN = ALL.flatMap((from) =>
  ALL.map((to) => [from, to] as [OrderStatus, OrderStatus]),
).filter(([a, b]) => !allowed.has(`${a}>${b}`));

describe("the order state machine", () => {
  test.each(ALLOWED)("When an order is %s, then it may become %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  test.each(FORBIDDEN)("When an order is %s, then it may not become %s", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  test("When an order arrives, then the right channel hears of it", () => {
    expect(eventOf("CONFIRMED")).toBe("orders.confirmed");
    expect(eventOf("REJECTED")).toBe("orders.failed");
    expect(eventOf("PAYMENT_FAILED")).toBe("orders.failed");
    expect(eventOf("CANCELLED")).toBe("orders.cancelled");
    expect(eventOf("SHIPPED")).toBe("orders.shipped");
    expect(eventOf("DELIVERED")).toBe("orders.delivered");
    expect(eventOf("PENDING")).toBeNull();
  });

  test("When an order arrives, then its compensations and follow-ups are the effects", () => {
    expect(effectsOf("CONFIRMED", {})).toEqual(["commitStock"]);
    expect(effectsOf("CONFIRMED", { fromCart: true })).toEqual(["commitStock", "clearCart"]);
    expect(effectsOf("REJECTED", {})).toEqual(["releaseStock"]);
    expect(effectsOf("PAYMENT_FAILED", {})).toEqual(["releaseStock"]);
    expect(effectsOf("CANCELLED", { paymentId: "pay_1" })).toEqual(["refund", "restock"]);
    // A free order was never charged: a cancel only puts the stock back.
    expect(effectsOf("CANCELLED", {})).toEqual(["restock"]);
    expect(effectsOf("SHIPPED", {})).toEqual([]);
  });

  test("When the saga has run, then only PENDING is unsettled", () => {
    expect(ALL.filter((s) => !isSettled(s))).toEqual(["PENDING"]);
  });
});
