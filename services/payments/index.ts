import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";

export default defineService({
  name: "payments",
  actions: Action.payments,
  group: "orders",
  routes: {
    "GET /payments": Action.payments.list,
  },
  load: () => import("./payments.service"),
});
