import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { analyticsSettings } from "./settings";

export default defineService({
  name: "analytics",
  actions: Action.analytics,
  group: "consumers",
  routes: {
    "GET /analytics/orders": Action.analytics.orders,
    "GET /analytics/events": Action.analytics.events,
    "GET /analytics/top-products": Action.analytics.topProducts,
  },
  settings: analyticsSettings,
  load: () => import("./analytics.service"),
});
