import { lease, type SagaDeps } from "./order-moves";
import { runSaga } from "./saga";
import { OrderStatus } from "./state";

/**
 * Finishes PENDING orders whose worker stopped (a crash, a lost node): it takes the lease,
 * then runs the same saga, whose steps are all safe to repeat.
 */
export async function recoverStaleOrders(deps: SagaDeps, limit = 20): Promise<number> {
  const now = new Date().toISOString();
  const stale = await deps.orders.find(
    { status: OrderStatus.PENDING, "lease.until": { $lt: now } },
    { limit },
  );
  let recovered = 0;
  for (const order of stale) {
    const taken = await deps.orders.findOneAndUpdate(
      { id: order.id, status: OrderStatus.PENDING, "lease.until": order.lease!.until },
      { $set: { lease: lease(deps) } },
    );
    if (!taken) continue;
    try {
      await runSaga(deps, taken);
      recovered++;
    } catch {
      // Still blocked (a service down): the lease runs out and a later pass tries again.
    }
  }
  return recovered;
}
