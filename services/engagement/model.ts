import type { Repository } from "../../mixins/db.mixin";
import {
  MessageChannel,
  PREFERENCE_CATEGORIES,
  type Preferences,
} from "../../contracts/engagement";
import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  mapOf,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";

/** One user's preference centre, under their id. */
export interface PreferencesDoc {
  id: string;
  off: Preferences;
  updatedAt: string;
}

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
} as const;

export const PREFERENCES_SHAPE = object(
  {
    off: mapOf(arrayOf(oneOf(CHANNELS))),
    categories: arrayOf(oneOf(PREFERENCE_CATEGORIES)),
    channels: arrayOf(oneOf(CHANNELS)),
    updatedAt: dateTime,
  },
  ["updatedAt"],
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
};

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
    courses: mapOf(object(courseActivity, [], "CourseActivity")),
    activeHours: arrayOf(integer),
    timeZone: string,
    locale: string,
    updatedAt: dateTime,
    viewsLast7Days: mapOf(integer),
    coursesInProgress: arrayOf(
      object({ courseId: string, ...courseActivity }, [], "CourseInProgress"),
    ),
    busiestHourOfWeek: { type: ["integer", "null"] },
  },
  ["firstSeenAt", "lastSeenAt", "lastPurchaseAt", "timeZone", "locale"],
  "Profile",
);
