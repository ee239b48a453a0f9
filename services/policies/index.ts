import { PoliciesAction, PoliciesError } from "../../contracts/policies";
import { defineService } from "../../platform/runtime/service-module";
import { policiesSettings } from "./settings";

export default defineService({
  name: "policies",
  actions: PoliciesAction,
  errors: PoliciesError,
  group: "consumers",
  settings: policiesSettings,
  routes: {
    "GET /policies": PoliciesAction.list,
    "POST /policies": PoliciesAction.create,
    "POST /policies/:id/activate": PoliciesAction.activate,
    "POST /policies/evaluate": PoliciesAction.evaluate,
    "GET /policies/decisions": PoliciesAction.decisions,
  },
  // A version has no route of its own: it is listed with its policy.
  createdAt: { [PoliciesAction.create]: "/policies" },
  load: () => import("./policies.service"),
});
