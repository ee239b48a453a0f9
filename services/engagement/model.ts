import type { Repository } from "../../platform/data/repository";
import {
  MessageChannel,
  PREFERENCE_CATEGORIES,
  Priority,
  type Decision,
  type Preferences,
} from "../../contracts/engagement";
import type { IndexSpec } from "../../platform/data/repository";
import type { SentMessage } from "./decisions/decisions";
import { idRule } from "../../platform/actions/ids";
import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  mapOf,
  number,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";

/** One user's preference centre, under their id. */
export interface PreferencesDoc {
  id: string;
  off: Preferences;
  /** The user's IANA zone: quiet hours are kept in it. */
  timeZone?: string;
  /** The language messages are written in for them (`pt-BR`), where a template has it. */
  locale?: string;
  updatedAt: string;
}

/** One decision on one channel of one message (`<dedupeKey>:<channel>`): the log's row. */
export interface DecisionDoc {
  id: string;
  userId: string;
  category: string;
  channel: MessageChannel;
  priority: Priority;
  dedupeKey: string;
  verdict: Decision["verdict"];
  reason: string;
  detail?: string;
  until?: string;
  at: string;
}

/** A message let through: what caps count and dedupe remembers. */
export interface SendDoc extends SentMessage {
  id: string;
  userId: string;
}

export const BY_USER_AND_TIME: IndexSpec[] = [{ fields: ["userId", "at"] }];

export type PreferencesRepo = Repository<PreferencesDoc>;

const CHANNELS = Object.values(MessageChannel);

/** A list of channels to turn off: each at most once. */
const channelList = {
  type: "array",
  optional: true,
  unique: true,
  max: CHANNELS.length,
  items: { type: "enum", values: CHANNELS },
} as const;

/** A category's channels, or `*` for every category. Nothing else is a key. */
export const preferencesParams = {
  $$strict: "remove",
  off: {
    type: "object",
    strict: true,
    props: Object.fromEntries(["*", ...PREFERENCE_CATEGORIES].map((key) => [key, channelList])),
  },
  timeZone: { type: "string", min: 1, max: 64, optional: true },
  locale: { type: "string", max: 8, pattern: /^[a-z]{2,3}(-[A-Z]{2})?$/, optional: true },
} as const;

export const PREFERENCES_SHAPE = object(
  {
    off: mapOf(arrayOf(oneOf(CHANNELS))),
    categories: arrayOf(oneOf(PREFERENCE_CATEGORIES)),
    channels: arrayOf(oneOf(CHANNELS)),
    timeZone: string,
    locale: string,
    updatedAt: dateTime,
  },
  ["timeZone", "locale", "updatedAt"],
  "Preferences",
);

export const UNSUBSCRIBED_SHAPE = object(
  { category: string, channels: arrayOf(oneOf(CHANNELS)) },
  [],
  "Unsubscribed",
);

const courseActivity = {
  lessonsCompleted: integer,
  lastActivityAt: dateTime,
  completed: boolean,
  liveMinutes: integer,
  liveSessionsMissed: integer,
  lastLiveSessionAt: dateTime,
  missedLastLiveSession: boolean,
};
/** Live-session traits come with the first session a course ends. */
const LIVE_TRAITS = [
  "liveMinutes",
  "liveSessionsMissed",
  "lastLiveSessionAt",
  "missedLastLiveSession",
];

export const PROFILE_SHAPE = object(
  {
    id: string,
    firstSeenAt: dateTime,
    lastSeenAt: dateTime,
    sessions: integer,
    cartAdds: integer,
    purchases: integer,
    spent: mapOf(integer),
    lastPurchaseAt: dateTime,
    courses: mapOf(object(courseActivity, LIVE_TRAITS, "CourseActivity")),
    activeHours: arrayOf(integer),
    timeZone: string,
    locale: string,
    updatedAt: dateTime,
    viewsLast7Days: mapOf(integer),
    coursesInProgress: arrayOf(
      object({ courseId: string, ...courseActivity }, LIVE_TRAITS, "CourseInProgress"),
    ),
    busiestHourOfWeek: { type: ["integer", "null"] },
  },
  ["firstSeenAt", "lastSeenAt", "lastPurchaseAt", "timeZone", "locale"],
  "Profile",
);

export const REBUILT_SHAPE = object(
  { messages: integer, profiles: integer },
  [],
  "ProfilesRebuilt",
);

export const DECISION_SHAPE = object(
  {
    id: string,
    userId: string,
    category: string,
    channel: oneOf(CHANNELS),
    priority: oneOf(Object.values(Priority)),
    dedupeKey: string,
    verdict: oneOf(["send", "defer", "suppress"]),
    reason: string,
    detail: string,
    until: dateTime,
    at: dateTime,
  },
  ["detail", "until"],
  "Decision",
);

const DEDUPE_KEY = { type: "string", min: 1, max: 128, pattern: /^[A-Za-z0-9_.:-]+$/ } as const;

export const decideParams = {
  $$strict: true,
  userId: idRule,
  category: { type: "string", min: 1, max: 64, pattern: /^[a-z0-9][a-z0-9_-]*$/ },
  priority: { type: "enum", values: Object.values(Priority) },
  dedupeKey: DEDUPE_KEY,
  channels: {
    type: "array",
    min: 1,
    max: CHANNELS.length,
    unique: true,
    items: { type: "enum", values: CHANNELS },
  },
} as const;

const conditionShape = object(
  {
    trait: string,
    op: string,
    value: number,
    category: string,
    currency: string,
    days: integer,
  },
  ["category", "currency", "days"],
  "SegmentCondition",
);

export const SEGMENT_SHAPE = object(
  {
    id: string,
    name: string,
    rule: object(
      { match: oneOf(["all", "any"]), conditions: arrayOf(conditionShape) },
      [],
      "SegmentRule",
    ),
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  [],
  "Segment",
);

export const MEMBER_SHAPE = object({ userId: string, since: dateTime }, [], "SegmentMember");

/** The rule's own checks are `ruleProblems`: they name every problem, not the first. */
export const segmentFields = {
  name: { type: "string", trim: true, min: 1, max: 100 },
  rule: { type: "any" },
} as const;

export const segmentParams = { $$strict: true, ...segmentFields } as const;
