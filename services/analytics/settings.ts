import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface AnalyticsSettings {
  /** Behaviour events older than their window's end plus this are dropped (and counted). */
  analyticsLatenessSeconds: number;
}

/** What only the analytics service reads from the environment. */
export const analyticsSettings: ServiceSettings<AnalyticsSettings> = {
  read: (env) => ({
    analyticsLatenessSeconds: integer(env, "ANALYTICS_ALLOWED_LATENESS_SECONDS", 300, 0, 86_400),
  }),
  docs: [
    {
      variables: ["ANALYTICS_ALLOWED_LATENESS_SECONDS"],
      embedded: "300",
      meaning: "behaviour events older than their window's end plus this are dropped (and counted)",
    },
  ],
};
