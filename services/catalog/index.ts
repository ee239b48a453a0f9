import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";

export default defineService({
  name: "catalog",
  actions: Action.catalog,
  group: "catalog",
  routes: {
    "GET /products": Action.catalog.list,
    "GET /products/:id": Action.catalog.get,
    "POST /products": Action.catalog.create,
    "PATCH /products/:id": Action.catalog.update,
    "DELETE /products/:id": Action.catalog.remove,
  },
  createdAt: {
    [Action.catalog.create]: "/products/:id",
  },
  load: () => import("./catalog.service"),
});
