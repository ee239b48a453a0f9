import { flag, integer, type ServiceSettings, url } from "../../platform/runtime/env-settings";

export interface NotificationsSettings {
  webhookAllowPrivate: boolean;
  smtpUrl?: string;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  /** First retry delay; each next one doubles, with jitter, up to an hour. */
  webhookRetryBaseMs: number;
}

/** What only the notifications service reads from the environment. */
export const notificationsSettings: ServiceSettings<NotificationsSettings> = {
  read: (env) => ({
    webhookAllowPrivate: flag(env, "WEBHOOK_ALLOW_PRIVATE", false),
    smtpUrl: url(env, "SMTP_URL", ["smtp", "smtps"]),
    webhookTimeoutMs: integer(env, "WEBHOOK_TIMEOUT_MS", 5000, 100, 60_000),
    webhookMaxAttempts: integer(env, "WEBHOOK_MAX_ATTEMPTS", 6, 1, 20),
    webhookRetryBaseMs: integer(env, "WEBHOOK_RETRY_BASE_MS", 2000, 10, 3_600_000),
  }),
  docs: [
    {
      variables: ["WEBHOOK_ALLOW_PRIVATE"],
      embedded: "false",
      meaning: "allow webhook targets on private addresses",
    },
    {
      variables: ["WEBHOOK_TIMEOUT_MS"],
      embedded: "5000",
      meaning: "one webhook attempt's time limit",
    },
    {
      variables: ["WEBHOOK_MAX_ATTEMPTS"],
      embedded: "6",
      meaning: "attempts before a delivery is dead-lettered",
    },
    {
      variables: ["WEBHOOK_RETRY_BASE_MS"],
      embedded: "2000",
      meaning: "first retry delay; each next one doubles, with jitter, up to an hour",
    },
    { variables: ["SMTP_URL"], embedded: "unset", meaning: "`smtp://…` for e-mail" },
  ],
};
