import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { ordersSettings } from "./settings";

export default defineService({
  name: "orders",
  actions: Action.orders,
  group: "orders",
  routes: {
    "POST /orders": Action.orders.create,
    "GET /orders": Action.orders.list,
    "GET /orders/:id": Action.orders.get,
    "POST /orders/:id/cancel": Action.orders.cancel,
    "POST /orders/:id/ship": Action.orders.ship,
    "POST /orders/:id/deliver": Action.orders.deliver,
  },
  createdAt: {
    [Action.orders.create]: "/orders/:id",
  },
  settings: ordersSettings,
  load: () => import("./orders.service"),
});
