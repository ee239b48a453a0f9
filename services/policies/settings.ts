import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface PoliciesSettings {
  /** How long the decision log keeps a decision. */
  policyDecisionsRetentionDays: number;
}

/** What only the policies service reads from the environment. */
export const policiesSettings: ServiceSettings<PoliciesSettings> = {
  read: (env) => ({
    policyDecisionsRetentionDays: integer(env, "POLICY_DECISIONS_RETENTION_DAYS", 30, 1, 3650),
  }),
  docs: [
    {
      variables: ["POLICY_DECISIONS_RETENTION_DAYS"],
      embedded: "30",
      meaning:
        "how long the policy decision log keeps a decision (denials and sampled allows); older ones are swept hourly",
    },
  ],
};
