/** Engagement: how Bazaar decides whether, when and how to speak to a user. Types only. */

/** Where a message goes. The inbox always exists; e-mail and webhooks only when set up. */
export const MessageChannel = { INBOX: "inbox", EMAIL: "email", WEBHOOK: "webhook" } as const;
export type MessageChannel = (typeof MessageChannel)[keyof typeof MessageChannel];

/** `critical` is for account security: past caps, quiet hours and preferences, never dedupe. */
export const Priority = {
  LOW: "low",
  NORMAL: "normal",
  HIGH: "high",
  CRITICAL: "critical",
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/** Why a send did not happen: each decision is recorded with one. */
export const SuppressReason = {
  DUPLICATE: "duplicate",
  PREFERENCE: "preference",
  FREQUENCY_CAP: "frequency_cap",
} as const;
export type SuppressReason = (typeof SuppressReason)[keyof typeof SuppressReason];

export type Decision =
  | { verdict: "send"; reason: "allowed" | "critical" }
  | { verdict: "defer"; reason: "quiet_hours"; until: string }
  | { verdict: "suppress"; reason: SuppressReason; detail: string };

/**
 * Channels a user turned off, by category; `*` is every category (a full unsubscribe from a
 * channel). An absent category is on.
 */
export type Preferences = Record<string, MessageChannel[]>;

/**
 * What a user may turn off, by category: Bazaar's own reaching out. An order's or an
 * account's news is not among them.
 */
export const PREFERENCE_CATEGORIES = ["cart", "courses", "marketing"] as const;
export type PreferenceCategory = (typeof PREFERENCE_CATEGORIES)[number];

/** A service asking whether one message may go, on each of its channels. */
export interface SendAsk {
  userId: string;
  category: string;
  priority: Priority;
  /** The message's own key: asked again (a retry), it gets its first answer back. */
  dedupeKey: string;
  channels: MessageChannel[];
}

export interface ChannelDecision {
  channel: MessageChannel;
  verdict: Decision["verdict"];
  reason: string;
  detail?: string;
  until?: string;
}

export interface SendAnswer {
  decisions: ChannelDecision[];
  /** For a category users may turn off: the signed link that does it. */
  unsubscribeUrl?: string;
}

/** What a segment condition reads of a profile. */
export const SegmentTrait = {
  /** Product views of `category` over the last `days` days. */
  VIEWS: "views",
  PURCHASES: "purchases",
  CART_ADDS: "cartAdds",
  SESSIONS: "sessions",
  /** Spend in `currency`, in minor units, net of cancellations. */
  SPENT: "spent",
  /** Days since the user was last seen; never seen is never near. */
  DAYS_SINCE_LAST_SEEN: "daysSinceLastSeen",
  DAYS_SINCE_LAST_PURCHASE: "daysSinceLastPurchase",
  /** Courses in progress with no activity for `days` days. */
  STALLED_COURSES: "stalledCourses",
} as const;
export type SegmentTrait = (typeof SegmentTrait)[keyof typeof SegmentTrait];

export const COMPARISONS = ["gte", "lte", "eq"] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface SegmentCondition {
  trait: SegmentTrait;
  op: Comparison;
  value: number;
  category?: string;
  currency?: string;
  days?: number;
}

/** A segment's rule: data, not code; every condition, or any of them. */
export interface SegmentRule {
  match: "all" | "any";
  conditions: SegmentCondition[];
}
