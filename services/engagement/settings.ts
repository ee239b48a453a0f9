import {
  integer,
  SettingsError,
  text,
  type Env,
  type ServiceSettings,
} from "../../platform/runtime/env-settings";
import { clockMinutes } from "./decisions/quiet-hours";

export interface EngagementSettings {
  /** Bazaar's own messages wait through these local hours; undefined: never. */
  quietHours?: { start: string; end: string };
  /** Bazaar's own messages a user gets a day, across all kinds and channels. */
  maxMessagesPerDay: number;
  /** How long a node owns a journey run it took; past it, another node takes the run up. */
  journeyLeaseMs: number;
}

/** `HH:MM-HH:MM` in each user's own zone, or `off`. */
function quietHours(env: Env): { start: string; end: string } | undefined {
  const raw = text(env, "QUIET_HOURS") ?? "21:00-08:00";
  if (raw === "off") return undefined;
  const [start, end] = raw.length <= 11 ? raw.split("-") : [];
  const valid = (clock: string | undefined) => clock && clockMinutes(clock) !== undefined;
  if (!valid(start) || !valid(end) || start === end)
    throw new SettingsError(
      "QUIET_HOURS",
      `expected HH:MM-HH:MM or off, got "${raw.slice(0, 20)}"`,
    );
  return { start, end };
}

/** What only the engagement service reads from the environment. */
export const engagementSettings: ServiceSettings<EngagementSettings> = {
  read: (env) => ({
    quietHours: quietHours(env),
    maxMessagesPerDay: integer(env, "MAX_MESSAGES_PER_DAY", 3, 1, 1000),
    journeyLeaseMs: integer(env, "JOURNEY_LEASE_MS", 60_000, 1000, 3_600_000),
  }),
  docs: [
    {
      variables: ["QUIET_HOURS"],
      embedded: "21:00-08:00",
      meaning:
        "Bazaar's own messages (reminders, journeys) wait through these hours of each user's own zone; `off`: never",
    },
    {
      variables: ["MAX_MESSAGES_PER_DAY"],
      embedded: "3",
      meaning:
        "Bazaar's own messages a user gets a day, across all kinds and channels (account security excepted)",
    },
    {
      variables: ["JOURNEY_LEASE_MS"],
      embedded: "60000",
      meaning:
        "how long a node owns a journey step it took: a node that dies mid-step has its runs taken up by another after this long, and never sooner",
    },
  ],
};
