import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface QuizzesSettings {
  quizMaxQuestions: number;
  quizzesPerUser: number;
}

/** What only the quizzes service reads from the environment. */
export const quizzesSettings: ServiceSettings<QuizzesSettings> = {
  read: (env) => ({
    quizMaxQuestions: integer(env, "QUIZ_MAX_QUESTIONS", 50, 1, 500),
    quizzesPerUser: integer(env, "QUIZZES_PER_USER", 500, 1, 1_000_000),
  }),
  docs: [
    {
      variables: ["QUIZ_MAX_QUESTIONS"],
      embedded: "50",
      meaning: "the most questions one quiz may hold, generated or written",
    },
    {
      variables: ["QUIZZES_PER_USER"],
      embedded: "500",
      meaning: "the most quizzes one user may keep",
    },
  ],
};
