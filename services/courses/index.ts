import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";

export default defineService({
  name: "courses",
  actions: Action.courses,
  group: "catalog",
  routes: {
    "POST /courses": Action.courses.create,
    "GET /courses": Action.courses.list,
    "GET /courses/:id": Action.courses.get,
    "PATCH /courses/:id": Action.courses.update,
    "POST /courses/:id/publish": Action.courses.publish,
    "POST /courses/:id/archive": Action.courses.archive,
    "POST /courses/:id/modules": Action.courses.addModule,
    "PUT /courses/:id/outline": Action.courses.reorder,
    "POST /modules/:id/lessons": Action.courses.addLesson,
    "GET /lessons/:id": Action.courses.getLesson,
    "PATCH /lessons/:id": Action.courses.updateLesson,
    "POST /courses/:id/enrol": Action.courses.enrol,
    "POST /lessons/:id/complete": Action.courses.completeLesson,
    "GET /me/enrolments": Action.courses.myEnrolments,
    "GET /me/courses/:id/progress": Action.courses.myProgress,
    "GET /certificates/:id": Action.courses.certificate,
  },
  createdAt: {
    [Action.courses.create]: "/courses/:id",
    // A module has no route of its own: it lives in its course's outline.
    [Action.courses.addModule]: "/courses/:courseId",
    [Action.courses.addLesson]: "/lessons/:id",
  },
  load: () => import("./courses.service"),
});
