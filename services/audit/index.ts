import { AuditAction, AuditError } from "../../contracts/audit";
import { defineService } from "../../platform/runtime/service-module";

export default defineService({
  name: "audit",
  actions: AuditAction,
  errors: AuditError,
  group: "consumers",
  routes: {
    "GET /audit": AuditAction.list,
  },
  load: () => import("./audit.service"),
});
