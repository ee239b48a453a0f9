import { ClassroomAction, ClassroomError } from "../../contracts/classroom";
import { defineService } from "../../platform/runtime/service-module";
import { classroomSettings } from "./settings";

export default defineService({
  name: "classroom",
  actions: ClassroomAction,
  errors: ClassroomError,
  group: "consumers",
  routes: {
    "POST /courses/:id/sessions": ClassroomAction.schedule,
    "GET /courses/:id/sessions": ClassroomAction.sessions,
    "GET /sessions/:id/attendance": ClassroomAction.attendance,
    "GET /sessions/:id/chat": ClassroomAction.chat,
  },
  createdAt: { [ClassroomAction.schedule]: "/courses/:courseId/sessions" },
  settings: classroomSettings,
  load: () => import("./classroom.service"),
});
