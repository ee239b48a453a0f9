import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface OrdersSettings {
  /**
   * An order in flight belongs to the node running it for this long, renewed as its saga goes
   * on. A node that leaves the cluster has its orders taken over at once; one that hangs, when
   * its lease runs out.
   */
  orderStaleMs: number;
}

/** What only the orders service reads from the environment. */
export const ordersSettings: ServiceSettings<OrdersSettings> = {
  read: (env) => ({
    orderStaleMs: integer(env, "ORDER_STALE_MS", 10_000, 500, 3_600_000),
  }),
  docs: [
    {
      variables: ["ORDER_STALE_MS"],
      embedded: "10000",
      meaning:
        "an order in flight belongs to its node this long (renewed while its saga runs): a node that leaves the cluster has its orders taken over at once, one that hangs after this",
    },
  ],
};
