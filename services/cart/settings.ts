import { integer, positive, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface CartSettings {
  cartAbandonMinutes: number;
  cartTtlDays: number;
}

/** What only the cart service reads from the environment. */
export const cartSettings: ServiceSettings<CartSettings> = {
  read: (env) => ({
    cartAbandonMinutes: positive(env, "CART_ABANDON_MINUTES", 60),
    cartTtlDays: integer(env, "CART_TTL_DAYS", 30, 1, 365),
  }),
  docs: [
    {
      variables: ["CART_ABANDON_MINUTES"],
      embedded: "60",
      meaning: "a cart untouched this long gets one reminder",
    },
    { variables: ["CART_TTL_DAYS"], embedded: "30", meaning: "a cart untouched this long is gone" },
  ],
};
