import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { usersSettings } from "./settings";

export default defineService({
  name: "users",
  actions: Action.users,
  group: "core",
  routes: {
    "GET /users/me": Action.users.me,
    "PATCH /users/me": Action.users.updateMe,
    "PUT /users/:id/roles": Action.users.setRoles,
    "POST /api-keys": Action.users.createApiKey,
    "GET /api-keys": Action.users.listApiKeys,
    "DELETE /api-keys/:id": Action.users.revokeApiKey,
  },
  createdAt: {
    [Action.users.register]: "/users/me",
    [Action.users.createApiKey]: "/api-keys/:id",
  },
  settings: usersSettings,
  load: () => import("./users.service"),
});
