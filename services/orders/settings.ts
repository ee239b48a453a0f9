import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface OrdersSettings {
  /** A PENDING order untouched this long is finished or compensated by the recovery loop. */
  orderStaleMs: number;
}

/** What only the orders service reads from the environment. */
export const ordersSettings: ServiceSettings<OrdersSettings> = {
  read: (env) => ({
    orderStaleMs: integer(env, "ORDER_STALE_MS", 30_000, 500, 3_600_000),
  }),
  docs: [
    {
      variables: ["ORDER_STALE_MS"],
      embedded: "30000",
      meaning:
        "a PENDING order untouched this long is finished or compensated by the recovery loop",
    },
  ],
};
