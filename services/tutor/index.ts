import { TutorAction, TutorError } from "../../contracts/tutor";
import { defineService } from "../../platform/runtime/service-module";
import { tutorSettings } from "./settings";

export default defineService({
  name: "tutor",
  actions: TutorAction,
  errors: TutorError,
  group: "consumers",
  routes: {
    "POST /tutor/sessions": TutorAction.open,
    "GET /tutor/sessions": TutorAction.list,
    "GET /tutor/sessions/:id": TutorAction.get,
    "POST /tutor/sessions/:id/messages": TutorAction.ask,
  },
  createdAt: { [TutorAction.open]: "/tutor/sessions/:id" },
  settings: tutorSettings,
  load: () => import("./tutor.service"),
});
