import type { ServiceBroker } from "moleculer";
import { PREFERENCE_CATEGORIES } from "../../../contracts/engagement";
import { ShopMetric } from "../../../contracts/metrics";
import { countMetric } from "../../../platform/observability/metrics";
import { ownSettings, settingsOf } from "../../../platform/runtime/settings-of";
import { engagementSettings } from "../settings";
import type { SendPolicy } from "./decisions";
import type { DecisionDoc } from "../model";
import { unsubscribeToken } from "./unsubscribe-link";

/** The shop's rules for its own messages, from the settings. */
export function policyOf(broker: ServiceBroker): SendPolicy {
  const settings = ownSettings(broker, engagementSettings);
  return {
    caps: [{ max: settings.maxMessagesPerDay, perMs: 24 * 3_600_000 }],
    ...(settings.quietHours ? { quietHours: settings.quietHours } : {}),
  };
}

/** Counts each decision made now, by channel, verdict and reason. */
export const countDecision =
  (broker: ServiceBroker) =>
  ({ channel, verdict, reason }: DecisionDoc): void =>
    countMetric(broker, ShopMetric.ENGAGEMENT_DECISIONS, { channel, verdict, reason });

/** For a category users may turn off: the signed link that turns it off for this user. */
export function unsubscribeUrlFor(
  broker: ServiceBroker,
  userId: string,
  category: string,
): string | undefined {
  if (!(PREFERENCE_CATEGORIES as readonly string[]).includes(category)) return undefined;
  const { jwtSecret, publicUrl } = settingsOf(broker);
  const token = unsubscribeToken(jwtSecret, { userId, category });
  return `${publicUrl}/api/v1/unsubscribe?token=${token}`;
}
