import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unavailable } from "../../platform/actions/errors";
import { NedbStore } from "../../platform/data/nedb.store";
import type { Repository } from "../../platform/data/repository";
import type { Call } from "../../platform/actions/typed-call";
import { ORDER_INDEXES, type OrderDoc } from "../../services/orders/model";
import { lease, type SagaDeps } from "../../services/orders/order-moves";
import { runSaga } from "../../services/orders/saga";

/** A saga stopped by a service that is down hands its order back for a retry within a second. */
describe("a saga that meets a service down", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-saga-retry-"));
  const store = new NedbStore(dir);
  let orders: Repository<OrderDoc>;
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("When the reservation cannot be made (catalog away), then the order stays PENDING and its lease is cut to about a second", async () => {
    orders = await store.repository<OrderDoc>("orders", ORDER_INDEXES);
    const down = (async () => {
      throw unavailable("catalog away");
    }) as unknown as Call;
    const deps: SagaDeps = {
      orders,
      call: down,
      nodeId: "node-a",
      staleMs: 10_000,
      fault: () => {},
      arrived: () => {},
    };
    const now = new Date().toISOString();
    const order = await orders.insert({
      id: "ord_retry",
      userId: "u1",
      status: "PENDING",
      items: [{ productId: "p1", name: "Tea", price: 500, quantity: 1 }],
      total: 500,
      currency: "EUR",
      lease: lease(deps),
      history: [{ status: "PENDING", at: now }],
      outboxPending: 0,
      effectsPending: 0,
      createdAt: now,
      updatedAt: now,
    } as unknown as OrderDoc);

    await expect(runSaga(deps, order)).rejects.toMatchObject({ code: 503 });

    const after = (await orders.findById("ord_retry"))!;
    expect(after.status).toBe("PENDING");
    expect(after.lease?.owner).toBe("node-a");
    const left = Date.parse(after.lease!.until) - Date.now();
    expect(left).toBeLessThanOrEqual(1000);
    expect(left).toBeGreaterThan(-5000);
  });
});
