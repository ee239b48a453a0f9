import { invariantViolations, type Snapshot } from "../harness/invariants";

const good: Snapshot = {
  initialStock: { p1: 10 },
  products: [{ id: "p1", stock: 7 }],
  orders: [
    { id: "o1", status: "CONFIRMED", total: 300, items: [{ productId: "p1", quantity: 3 }] },
    { id: "o2", status: "CANCELLED", total: 100, items: [{ productId: "p1", quantity: 1 }] },
    { id: "o3", status: "REJECTED", total: 900, items: [{ productId: "p1", quantity: 9 }] },
  ],
  payments: [
    { orderId: "o1", amount: 300, refunded: 0, status: "succeeded" },
    { orderId: "o2", amount: 100, refunded: 100, status: "succeeded" },
  ],
};

describe("the invariants helper", () => {
  test("When every invariant holds, then it finds nothing", () => {
    expect(invariantViolations(good)).toEqual([]);
  });

  test.each([
    ["negative stock", { products: [{ id: "p1", stock: -1 }] }, /stock -1/],
    ["stock that vanished", { products: [{ id: "p1", stock: 6 }] }, /initial 10/],
    [
      "an order left PENDING",
      { orders: [...good.orders, { id: "o4", status: "PENDING", total: 1, items: [] }] },
      /never left PENDING/,
    ],
    [
      "a double charge",
      {
        payments: [
          ...good.payments,
          { orderId: "o1", amount: 300, refunded: 0, status: "succeeded" },
        ],
      },
      /charged 2 times/,
    ],
    [
      "a failed order that was charged",
      {
        payments: [
          ...good.payments,
          { orderId: "o3", amount: 900, refunded: 0, status: "succeeded" },
        ],
      },
      /REJECTED but was charged/,
    ],
    [
      "a cancellation never refunded",
      { payments: [good.payments[0], { ...good.payments[1], refunded: 0 }] },
      /refunded 0, owed 100/,
    ],
  ])("When there is %s, then it says so", (_label, change, message) => {
    const problems = invariantViolations({ ...good, ...change } as Snapshot);
    expect(problems.join("\n")).toMatch(message);
  });
});
