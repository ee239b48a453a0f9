import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { searchSettings } from "./settings";

export default defineService({
  name: "search",
  actions: Action.search,
  group: "catalog",
  routes: {
    "GET /search": Action.search.query,
    "GET /search/suggest": Action.search.suggest,
    "POST /search/rebuild": Action.search.rebuild,
  },
  settings: searchSettings,
  load: () => import("./search.service"),
});
