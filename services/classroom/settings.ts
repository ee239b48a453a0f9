import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface ClassroomSettings {
  classroomDefaultCap: number;
}

/** What only the classroom reads from the environment. */
export const classroomSettings: ServiceSettings<ClassroomSettings> = {
  read: (env) => ({
    classroomDefaultCap: integer(env, "CLASSROOM_DEFAULT_CAP", 300, 2, 100_000),
  }),
  docs: [
    {
      variables: ["CLASSROOM_DEFAULT_CAP"],
      embedded: "300",
      meaning: "participants a live session holds when its instructor names no cap",
    },
  ],
};
