import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface ClassroomSettings {
  classroomDefaultCap: number;
  /** Chat messages, and messages of every kind, one participant may send in 10 seconds. */
  classroomChatPer10s: number;
  classroomMessagesPer10s: number;
}

/** What only the classroom reads from the environment. */
export const classroomSettings: ServiceSettings<ClassroomSettings> = {
  read: (env) => ({
    classroomDefaultCap: integer(env, "CLASSROOM_DEFAULT_CAP", 300, 2, 100_000),
    classroomChatPer10s: integer(env, "CLASSROOM_CHAT_PER_10S", 5, 1, 100_000),
    classroomMessagesPer10s: integer(env, "CLASSROOM_MESSAGES_PER_10S", 30, 1, 100_000),
  }),
  docs: [
    {
      variables: ["CLASSROOM_DEFAULT_CAP"],
      embedded: "300",
      meaning: "participants a live session holds when its instructor names no cap",
    },
    {
      variables: ["CLASSROOM_CHAT_PER_10S", "CLASSROOM_MESSAGES_PER_10S"],
      embedded: "5, 30",
      meaning:
        "chat messages, and messages of any kind (reactions, hands, answers), one participant may send in 10 seconds; past them, `rate_limited` to the sender alone",
    },
  ],
};
