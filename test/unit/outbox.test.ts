import { orderMoved, paymentSettled } from "../harness/messages";
import { pendingEffects, pendingEvents, withEvents } from "../../platform/messaging/outbox";

describe("the outbox inside a document", () => {
  test("When a change carries events and effects, then one update writes and counts them all", () => {
    const update = withEvents(
      { $set: { status: "CONFIRMED" }, $inc: { version: 1 } },
      [
        { type: "orders.confirmed", data: orderMoved({ orderId: "o1" }) },
        { type: "payments.succeeded", data: paymentSettled({ orderId: "o1" }) },
      ],
      ["commitStock"],
    );
    const events = Object.entries(update.$set!).filter(([k]) => k.startsWith("outbox."));
    expect(events).toHaveLength(2);
    for (const [key, event] of events) {
      expect(key).toMatch(/^outbox\.evt_[0-9a-f]{24}$/);
      expect(event).toMatchObject({ id: key.slice(7), ts: expect.any(String) });
    }
    expect(update.$set).toMatchObject({ status: "CONFIRMED", "effects.commitStock": "pending" });
    expect(update.$inc).toEqual({ version: 1, outboxPending: 2, effectsPending: 1 });
  });

  test("When reading a document, then pending events come oldest first and sent ones are left out", () => {
    const doc = {
      id: "o1",
      outbox: {
        b: { id: "b", type: "orders.shipped" as const, ts: "2026-01-02", data: {} },
        a: { id: "a", type: "orders.confirmed" as const, ts: "2026-01-01", data: {} },
        c: { id: "c", type: "orders.failed" as const, ts: "2026-01-00", data: {}, sentAt: "x" },
      },
      effects: { refund: "done" as const, restock: "pending" as const },
    };
    expect(pendingEvents(doc).map((e) => e.id)).toEqual(["a", "b"]);
    expect(pendingEffects(doc)).toEqual(["restock"]);
  });
});
