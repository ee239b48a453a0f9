import { QuizzesAction, QuizzesError } from "../../contracts/quizzes";
import { defineService } from "../../platform/runtime/service-module";
import { quizzesSettings } from "./settings";

export default defineService({
  name: "quizzes",
  actions: QuizzesAction,
  errors: QuizzesError,
  group: "consumers",
  routes: {
    "POST /documents/:id/quizzes": QuizzesAction.generate,
    "POST /quizzes": QuizzesAction.create,
    "GET /quizzes/:id": QuizzesAction.get,
    "POST /quizzes/:id/attempts": QuizzesAction.submit,
    "GET /me/reviews": QuizzesAction.reviews,
    "POST /me/reviews/:id": QuizzesAction.review,
  },
  createdAt: {
    [QuizzesAction.generate]: "/quizzes/:id",
    [QuizzesAction.create]: "/quizzes/:id",
  },
  settings: quizzesSettings,
  load: () => import("./quizzes.service"),
});
