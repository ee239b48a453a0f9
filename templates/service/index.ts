import { ExampleAction, ExampleError } from "../../contracts/example";
import { defineService } from "../../platform/runtime/service-module";
import { exampleSettings } from "./settings";

export default defineService({
  name: "example",
  actions: ExampleAction,
  errors: ExampleError,
  group: "consumers",
  routes: {
    "POST /example/items": ExampleAction.create,
    "GET /example/items": ExampleAction.list,
    "GET /example/items/:id": ExampleAction.get,
  },
  createdAt: { [ExampleAction.create]: "/example/items/:id" },
  settings: exampleSettings,
  load: () => import("./example.service"),
});
