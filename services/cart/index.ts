import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { cartSettings } from "./settings";

export default defineService({
  name: "cart",
  actions: Action.cart,
  group: "core",
  routes: {
    "GET /cart": Action.cart.get,
    "PUT /cart/items/:productId": Action.cart.setItem,
    "DELETE /cart/items/:productId": Action.cart.removeItem,
    "DELETE /cart": Action.cart.clear,
  },
  settings: cartSettings,
  load: () => import("./cart.service"),
});
