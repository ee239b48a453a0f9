import type { Filter } from "../../platform/data/repository";
import type { OrderDoc } from "./model";
import { lease, type SagaDeps } from "./order-moves";
import { runSaga } from "./saga";
import { OrderStatus } from "./state";

/**
 * Finishes orders whose worker stopped: each is taken on condition that its lease is still the
 * one read (so one node takes it), then the same saga runs, its steps all safe to repeat.
 */
async function takeOver(deps: SagaDeps, orphans: OrderDoc[]): Promise<number> {
  let recovered = 0;
  for (const order of orphans) {
    const held: Filter = order.lease
      ? { "lease.owner": order.lease.owner, "lease.until": order.lease.until }
      : {};
    const taken = await deps.orders.findOneAndUpdate(
      { id: order.id, status: OrderStatus.PENDING, ...held },
      { $set: { lease: lease(deps) } },
    );
    if (!taken) continue;
    try {
      await runSaga(deps, taken);
      recovered++;
    } catch {
      // Still blocked (a service down, or routed to the node that just died): the saga has
      // cut its lease short, and a pass in a second tries again.
    }
  }
  return recovered;
}

/** The orders whose lease ran out: their node hangs, or died unseen. */
export async function recoverStaleOrders(deps: SagaDeps, limit = 20): Promise<number> {
  const now = new Date().toISOString();
  return takeOver(
    deps,
    await deps.orders.find({ status: OrderStatus.PENDING, "lease.until": { $lt: now } }, { limit }),
  );
}

/**
 * The orders a node was running when it left the cluster (the registry says so within a second
 * of a crash), taken over at once rather than when their lease runs out. A node starting under
 * the id of one that died takes back what that one left: what it wrote `before` it started.
 */
export async function recoverOrdersOf(
  deps: SagaDeps,
  nodeId: string,
  before = new Date().toISOString(),
  limit = 100,
): Promise<number> {
  const filter = { status: OrderStatus.PENDING, "lease.owner": nodeId, createdAt: { $lt: before } };
  return takeOver(deps, await deps.orders.find(filter, { limit }));
}

/**
 * One process alone (embedded): every PENDING order written before it started was left by its
 * last run, whatever that run was called.
 */
export async function recoverLeftBehind(
  deps: SagaDeps,
  before: string,
  limit = 100,
): Promise<number> {
  const filter = { status: OrderStatus.PENDING, createdAt: { $lt: before } };
  return takeOver(deps, await deps.orders.find(filter, { limit }));
}
