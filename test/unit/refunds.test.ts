import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NedbStore } from "../../platform/data/nedb.store";
import { chargeOrder, refundOrder } from "../../services/payments/charges";
import { type Payments, type PaymentDoc } from "../../services/payments/model";
import { SimulatedProcessor } from "../../services/payments/processor";
import { type ProcessorChargeDoc, type ProcessorRefundDoc } from "../../services/payments/model";
import type { Repository } from "../../platform/data/repository";
import { AuditedAct } from "../../contracts/audit";
import { auditEvent } from "../../platform/audit/audit-act";
import { pendingEvents } from "../../platform/messaging/outbox";

const audit = (change: { before: object; after: object }) =>
  auditEvent(undefined, AuditedAct.PAYMENT_REFUNDED, { kind: "order", id: "o" }, change);

describe("charges and refunds", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-refunds-"));
  const store = new NedbStore(dir);
  let payments: Payments;
  let ledger: Repository<ProcessorChargeDoc>;
  let refunds: Repository<ProcessorRefundDoc>;
  let processor: SimulatedProcessor;

  beforeAll(async () => {
    payments = await store.repository<PaymentDoc>("payments", [
      { fields: ["orderId"], unique: true },
    ]);
    ledger = await store.repository<ProcessorChargeDoc>("processor_charges", []);
    refunds = await store.repository<ProcessorRefundDoc>("processor_refunds", []);
    processor = new SimulatedProcessor(ledger, refunds);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const charge = (orderId: string, token = "tok_visa") =>
    chargeOrder(payments, processor, {
      orderId,
      userId: "u1",
      amount: 1000,
      currency: "USD",
      token,
    });

  test("When an order is charged again and again, then the processor charged it once", async () => {
    await Promise.all([charge("o1"), charge("o1"), charge("o1")]);
    await charge("o1");
    expect(await payments.count({ orderId: "o1" })).toBe(1);
    expect(await ledger.count({ id: "charge:o1" })).toBe(1);
  });

  test("When partial refunds add up, then they never exceed the charge", async () => {
    await charge("o2");
    expect((await refundOrder(payments, processor, audit, "o2", "r1", 400)).refunded).toBe(400);
    expect((await refundOrder(payments, processor, audit, "o2", "r2", 500)).refunded).toBe(900);
    await expect(refundOrder(payments, processor, audit, "o2", "r3", 200)).rejects.toMatchObject({
      code: 422,
    });
    expect((await refundOrder(payments, processor, audit, "o2", "r4")).refunded).toBe(1000);
    await expect(refundOrder(payments, processor, audit, "o2", "r5")).rejects.toMatchObject({
      code: 422,
    });
    expect(await refunds.count({})).toBe(3);
  });

  test("When the same refund is asked again, concurrently or later, then it happens once", async () => {
    await charge("o3");
    await Promise.all([1, 2, 3].map(() => refundOrder(payments, processor, audit, "o3", "cancel")));
    await refundOrder(payments, processor, audit, "o3", "cancel");
    const paid = (await payments.findOne({ orderId: "o3" }))!;
    expect(paid.refunded).toBe(1000);
    expect(await refunds.count({ id: { $in: ["refund:o3:cancel"] } })).toBe(1);
    // One record of the act, written with it: before and after the refunded total.
    const records = pendingEvents(paid).filter((e) => e.type === "audit.recorded");
    expect(records.map((e) => e.data as { before: object; after: object })).toEqual([
      expect.objectContaining({
        before: { refunded: 0 },
        after: expect.objectContaining({ refunded: 1000, amount: 1000, refundKey: "cancel" }),
      }),
    ]);
  });

  test("When a declined or unknown charge is refunded, then 409", async () => {
    await expect(charge("o4", "tok_chargeDeclined")).rejects.toMatchObject({ code: 402 });
    await expect(refundOrder(payments, processor, audit, "o4", "r")).rejects.toMatchObject({
      code: 409,
    });
    await expect(refundOrder(payments, processor, audit, "none", "r")).rejects.toMatchObject({
      code: 409,
    });
  });
});
