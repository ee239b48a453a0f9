/** Engagement: how Bazaar decides whether, when and how to speak to a user. Types only. */

/** Where a message goes. The inbox always exists; e-mail and webhooks only when set up. */
export const MessageChannel = { INBOX: "inbox", EMAIL: "email", WEBHOOK: "webhook" } as const;
export type MessageChannel = (typeof MessageChannel)[keyof typeof MessageChannel];

/**
 * What a webhook hears when a message goes out on the webhook channel: the shop's own sender
 * (SMS, chat) takes it from there. Not a channel between services: it goes only to webhooks.
 */
export const WEBHOOK_MESSAGE_EVENT = "engagement.message";

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
  /** Courses whose latest live session the user, enrolled, missed. */
  MISSED_LAST_LIVE_SESSION: "missedLastLiveSession",
  /** Live sessions missed, over all courses. */
  LIVE_SESSIONS_MISSED: "liveSessionsMissed",
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

/**
 * What a journey hears: a business channel, or a behaviour event as `event:<type>`. Each
 * carries a key a journey may wait on: the order, the course, the cart state, the user, or a
 * behaviour event's `props.key`, else its product.
 */
export const JOURNEY_CHANNELS = [
  "users.registered",
  "orders.confirmed",
  "orders.cancelled",
  "orders.shipped",
  "orders.delivered",
  "courses.lesson_completed",
  "courses.completed",
  "cart.abandoned",
] as const;
export type JourneyChannel = (typeof JOURNEY_CHANNELS)[number];

/** What starts a journey for a user: entering a segment, or an event. */
export type JourneyTrigger = { segment: string } | { event: string };

/** Where a step leads instead of the next one: out, or on to a later step. */
export type StepTarget = "next" | "exit" | number;

export type JourneyStep =
  | { type: "wait"; minutes: number }
  | {
      /** Until `event` (with the entry's key, when `sameKey`) or `timeoutMinutes` pass. */
      type: "waitFor";
      event: string;
      sameKey: boolean;
      timeoutMinutes: number;
      onEvent: StepTarget;
      onTimeout: StepTarget;
    }
  | { type: "branch"; rule: SegmentRule; otherwise: StepTarget }
  | {
      type: "send";
      template: string;
      category: string;
      channels: MessageChannel[];
      /** First channel that may send, in order, instead of every one. */
      fallback: boolean;
      priority: Priority;
    }
  | { type: "exit" };

/**
 * Whether a user who was in a journey may enter it again: never (`once`), once their run has
 * ended (`afterExit`: one run at a time), or once per key (an order, a course, a cart state).
 */
export const REENTRY = ["once", "afterExit", "perKey"] as const;
export type Reentry = (typeof REENTRY)[number];

export interface JourneyDefinition {
  name: string;
  trigger: JourneyTrigger;
  reentry: Reentry;
  steps: JourneyStep[];
}

export const JourneyStatus = { ACTIVE: "active", PAUSED: "paused" } as const;
export type JourneyStatus = (typeof JourneyStatus)[keyof typeof JourneyStatus];

export const RunStatus = {
  ACTIVE: "active",
  COMPLETED: "completed",
  EXITED: "exited",
  FAILED: "failed",
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
