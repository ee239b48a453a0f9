import { rawMessage } from "../harness/messages";
import { validateBatch, MAX_BATCH } from "../../services/analytics/behaviour";
import {
  decodeKey,
  encodeKey,
  isTooLate,
  summarizeOrders,
  topCounts,
  windowStartOf,
  windowStarts,
} from "../../services/analytics/windows";
import { formatMoney, render } from "../../services/notifications/templates";

describe("notification templates", () => {
  test("When money is shown, then minor units become the currency's own format", () => {
    expect(formatMoney(3998, "USD")).toBe("$39.98");
    expect(formatMoney(1500, "JPY")).toBe("¥1,500");
    expect(formatMoney(1050, "EUR")).toBe("€10.50");
  });

  test("When an order is confirmed, then the message lists its lines and total", () => {
    const message = render(
      rawMessage("orders.confirmed", {
        orderId: "ord_0123456789abcdef",
        userId: "u",
        total: 2500,
        currency: "USD",
        items: [{ name: "Mug", quantity: 2, lineTotal: 2500 }],
      }),
    );
    expect(message).toMatchObject({ type: "order_confirmed", title: "Order 89ABCDEF confirmed" });
    expect(message!.body).toBe("Thank you for your order.\n  2 × Mug: $25.00\nTotal: $25.00");
  });

  test("When an order fails for a payment reason, then only payments.failed tells it", () => {
    const failed = (failureReason: string) =>
      render(
        rawMessage("orders.failed", {
          orderId: "o",
          userId: "u",
          total: 1,
          currency: "USD",
          failureReason,
        }),
      );
    expect(failed("card_declined")).toBeNull();
    expect(failed("out_of_stock")).toMatchObject({ type: "order_failed" });
    expect(
      render(
        rawMessage("payments.failed", {
          orderId: "o",
          userId: "u",
          amount: 1,
          total: 1,
          currency: "USD",
          reason: "card_declined",
        }),
      ),
    ).toMatchObject({ type: "payment_failed" });
  });
});

describe("behaviour batches", () => {
  const now = Date.parse("2026-11-21T12:00:00Z");

  test("When a batch is valid, then missing times become the arrival time", () => {
    const events = validateBatch(
      [{ type: "page_view" }, { type: "shop.promo_clicked", ts: "2026-11-21T11:59:00+01:00" }],
      now,
    );
    expect(events[0].ts).toBe("2026-11-21T12:00:00.000Z");
    expect(events[1].ts).toBe("2026-11-21T10:59:00.000Z");
  });

  test("When a batch is too large, then 413; when events are bad, then 422 names each by index", () => {
    expect(() => validateBatch(Array(MAX_BATCH + 1).fill({ type: "page_view" }), now)).toThrow(
      expect.objectContaining({ code: 413 }),
    );
    try {
      validateBatch(
        [{ type: "page_view" }, { type: "BAD" }, { type: "x", ts: "2030-01-01T00:00:00Z" }],
        now,
      );
      throw new Error("accepted");
    } catch (err) {
      expect((err as { code: number }).code).toBe(422);
      expect((err as { data: { field: string }[] }).data.map((p) => p.field)).toEqual([
        "[1].type",
        "[2].ts",
      ]);
    }
  });
});

describe("one-minute windows", () => {
  test("When a time is placed, then it falls in the minute that holds it", () => {
    expect(windowStartOf("2026-11-21T12:34:56.789Z")).toBe("2026-11-21T12:34:00.000Z");
    expect(windowStarts("2026-11-21T12:00:30Z", "2026-11-21T12:03:00Z")).toEqual([
      "2026-11-21T12:00:00.000Z",
      "2026-11-21T12:01:00.000Z",
      "2026-11-21T12:02:00.000Z",
    ]);
  });

  test("When an event arrives after its window closed plus the lateness, then it is too late", () => {
    const now = Date.parse("2026-11-21T12:10:00Z");
    expect(isTooLate("2026-11-21T12:04:59Z", now, 300_000)).toBe(false);
    expect(isTooLate("2026-11-21T12:03:59Z", now, 300_000)).toBe(true);
  });

  test("When type names hold dots and underscores, then their document keys map back exactly", () => {
    for (const name of ["a.b", "a_b", "a__b", "a._d", "page_view"])
      expect(decodeKey(encodeKey(name))).toBe(name);
    expect(new Set(["a.b", "a_b", "a__b", "a_d"].map(encodeKey)).size).toBe(4);
    expect(encodeKey("a.b")).not.toContain(".");
  });

  test("When a window is summarized, then the average order value is revenue over orders", () => {
    expect(
      summarizeOrders("w", { id: "w", orders: 3, revenue: 1000, users: { a: true, b: true } }),
    ).toEqual({
      windowStart: "w",
      orders: 3,
      revenue: 1000,
      uniqueUsers: 2,
      avgOrderValue: 333,
    });
    expect(summarizeOrders("w").avgOrderValue).toBe(0);
  });

  test("When counts are summed over windows, then the largest come first and net zeros drop out", () => {
    expect(
      topCounts(
        [
          { a: 2, b: 1 },
          { a: 1, c: 5, b: -1 },
        ],
        2,
      ),
    ).toEqual([
      { key: "c", count: 5 },
      { key: "a", count: 3 },
    ]);
  });
});

describe("money in messages", () => {
  test('When a payment failure carries no amount, then no message is made: never "$NaN"', () => {
    const message = rawMessage("payments.failed", {
      orderId: "o",
      userId: "u",
      total: 1999,
      currency: "USD",
      reason: "card_declined",
    });
    expect(() => render(message)).toThrow(/minor units/);
    expect(
      render(rawMessage("payments.failed", { orderId: "o", amount: 1999, currency: "USD" }))?.body,
    ).toContain("payment of $19.99:");
  });
});
