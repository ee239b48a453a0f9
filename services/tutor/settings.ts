import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface TutorSettings {
  tutorQuestionsPerMinute: number;
  tutorMaxDocuments: number;
}

/** What only the tutor reads from the environment. */
export const tutorSettings: ServiceSettings<TutorSettings> = {
  read: (env) => ({
    tutorQuestionsPerMinute: integer(env, "TUTOR_QUESTIONS_PER_MINUTE", 30, 1, 100_000),
    tutorMaxDocuments: integer(env, "TUTOR_MAX_DOCUMENTS", 100, 1, 1000),
  }),
  docs: [
    {
      variables: ["TUTOR_QUESTIONS_PER_MINUTE"],
      embedded: "30",
      meaning: "questions one user may ask the tutor a minute, on each node; past it, 429",
    },
    {
      variables: ["TUTOR_MAX_DOCUMENTS"],
      embedded: "100",
      meaning: "the most documents one tutor session reads",
    },
  ],
};
