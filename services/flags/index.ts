import { FlagsAction, FlagsError } from "../../contracts/flags";
import { defineService } from "../../platform/runtime/service-module";

export default defineService({
  name: "flags",
  actions: FlagsAction,
  errors: FlagsError,
  group: "consumers",
  routes: {
    "GET /flags": FlagsAction.list,
    "GET /flags/:key": FlagsAction.get,
    "PUT /flags/:key": FlagsAction.put,
    "POST /flags/evaluate": FlagsAction.evaluate,
  },
  load: () => import("./flags.service"),
});
