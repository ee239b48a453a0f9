import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { apiSettings } from "./settings";

export default defineService({
  name: "api",
  actions: Action.api,
  group: "gateway",
  routes: {
    "GET /": Action.api.home,
    "GET /cluster": Action.api.cluster,
  },
  settings: apiSettings,
  load: () => import("./api.service"),
});
