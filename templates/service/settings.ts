import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface ExampleSettings {
  /** The most items one user may keep. */
  exampleItemsPerUser: number;
}

/** What only the example service reads from the environment. */
export const exampleSettings: ServiceSettings<ExampleSettings> = {
  read: (env) => ({
    exampleItemsPerUser: integer(env, "EXAMPLE_ITEMS_PER_USER", 100, 1, 100_000),
  }),
  docs: [
    {
      variables: ["EXAMPLE_ITEMS_PER_USER"],
      embedded: "100",
      meaning: "the most example items one user may keep",
    },
  ],
};
