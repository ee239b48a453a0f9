import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface SearchSettings {
  /** Search answers each node keeps until its index changes; 0 keeps none. */
  searchCachedAnswers: number;
}

/** What only the search service reads from the environment. */
export const searchSettings: ServiceSettings<SearchSettings> = {
  read: (env) => ({
    searchCachedAnswers: integer(env, "SEARCH_CACHED_ANSWERS", 1000, 0, 100_000),
  }),
  docs: [
    {
      variables: ["SEARCH_CACHED_ANSWERS"],
      embedded: "1000",
      meaning: "search answers each node keeps until its index changes (0: none)",
    },
  ],
};
