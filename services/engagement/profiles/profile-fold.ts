import { createHash } from "node:crypto";
import type { BehaviourEvent } from "../../../contracts/channels";

/** A course the user is taking, as far as their activity tells. */
export interface CourseActivity {
  lessonsCompleted: number;
  lastActivityAt: string;
  completed: boolean;
  /** Live sessions: minutes attended, sessions missed, and whether the latest was missed. */
  liveMinutes?: number;
  liveSessionsMissed?: number;
  lastLiveSessionAt?: string;
  missedLastLiveSession?: boolean;
}

/** One user's traits, folded from what they did. Everything a segment or a journey reads. */
export interface Profile {
  id: string;
  firstSeenAt?: string;
  lastSeenAt?: string;
  /** Visits: activity after 30 quiet minutes starts a new one. */
  sessions: number;
  /** Product views by category and UTC day (`YYYY-MM-DD`), the last 35 days. */
  views: Record<string, Record<string, number>>;
  cartAdds: number;
  purchases: number;
  /** Confirmed orders' totals, by currency, net of cancellations and refunds. */
  spent: Record<string, number>;
  lastPurchaseAt?: string;
  courses: Record<string, CourseActivity>;
  /** Activity by hour of the week in UTC (0 = Monday 00:00): when to speak, read in the user's zone. */
  activeHours: number[];
  timeZone?: string;
  locale?: string;
  /** Messages folded in lately: a redelivered one is not counted twice. */
  recent: RecentMessage[];
  version: number;
  updatedAt: string;
}

/**
 * A message folded lately: a digest of its id (72 bits: no two of a profile's thousand meet)
 * and when, in epoch seconds. A third of the `{ id, at }` it replaced: a user that a shop's
 * backend names in every batch has hundreds of these, and each fold reads and writes them all.
 */
export type RecentMessage = [digest: string, atSeconds: number];

/** What one message tells about one user. */
export type ProfileFact =
  | { kind: "behaviour"; events: BehaviourEvent[]; categories: Record<string, string> }
  | { kind: "purchase"; total: number; currency: string; at: string }
  | { kind: "purchase_undone"; total: number; currency: string; at: string }
  | { kind: "lesson"; courseId: string; at: string }
  | { kind: "course_completed"; courseId: string; at: string }
  /** A live session of the course ended: the learner came for `minutes`, or missed it. */
  | { kind: "live_session"; courseId: string; attended: boolean; minutes: number; at: string }
  /** What an anonymous visitor did, taken in when they sign in as this user. */
  | { kind: "absorb"; from: Profile };

/** The profile of a visitor not signed in, by the id their storefront gave them. */
export const anonymousProfileId = (anonymousId: string) => `anon_${anonymousId}`;
export const isAnonymousProfile = (id: string) => id.startsWith("anon_");

export const SESSION_GAP_MS = 30 * 60_000;
export const VIEW_DAYS = 35;
/** A redelivery comes within minutes; a message is remembered well past that. */
export const RECENT_MS = 60 * 60_000;
const RECENT_MAX = 1000;

export function emptyProfile(userId: string): Profile {
  return {
    id: userId,
    sessions: 0,
    views: {},
    cartAdds: 0,
    purchases: 0,
    spent: {},
    courses: {},
    activeHours: new Array(168).fill(0),
    recent: [],
    version: 0,
    updatedAt: new Date(0).toISOString(),
  };
}

/** Hour of the week in UTC, Monday first. */
export function hourOfWeek(at: string): number {
  const date = new Date(at);
  return ((date.getUTCDay() + 6) % 7) * 24 + date.getUTCHours();
}

/** Keys no store takes inside a document (platform/data/repository.ts refuses them). */
const UNSTORABLE = new Set(["__proto__", "prototype", "constructor"]);

/**
 * A record's own entry, made when missing. Keys come from users and admins (a category is free
 * text): an inherited name (`toString`) is never read through, and a key the store would refuse
 * (which would fail the whole message, every user in it) is left out.
 */
function entry<T>(record: Record<string, T>, key: string, make: () => T): T | undefined {
  if (UNSTORABLE.has(key) || key.startsWith("$")) return undefined;
  if (!Object.hasOwn(record, key)) record[key] = make();
  return record[key];
}

const later = (a: string | undefined, b: string) => (a === undefined || b > a ? b : a);
const earlier = (a: string | undefined, b: string) => (a === undefined || b < a ? b : a);

/**
 * The profile with one message's facts folded in; the same profile when it already holds the
 * message. Pure: the caller reads, folds and writes under the profile's version.
 */
export function foldMessage(
  profile: Profile,
  messageId: string,
  facts: ProfileFact[],
  now: Date,
): Profile {
  const digest = digestOf(messageId);
  const recent = recentOf(profile);
  if (recent.some(([held]) => held === digest)) return profile;
  // `recent` is the bulk of a busy profile and is made anew below, never changed in place:
  // it is left out of the copy (copying it was most of a fold's cost).
  const next: Profile = structuredClone({ ...profile, recent: [] });
  for (const fact of facts) foldFact(next, fact);
  const horizon = (now.getTime() - RECENT_MS) / 1000;
  next.recent = [
    ...recent.filter(([, at]) => at >= horizon),
    [digest, Math.floor(now.getTime() / 1000)] as RecentMessage,
  ].slice(-RECENT_MAX);
  pruneViews(next, now);
  next.version = profile.version + 1;
  next.updatedAt = now.toISOString();
  return next;
}

const digestOf = (messageId: string) =>
  createHash("sha256").update(messageId).digest("base64url").slice(0, 12);

/** A profile's recent messages, those written as `{ id, at }` before digests read as digests. */
function recentOf(profile: Profile): RecentMessage[] {
  // A profile is rewritten whole: once one entry is a digest, all are.
  if (profile.recent.length === 0 || Array.isArray(profile.recent[0])) return profile.recent;
  return (profile.recent as unknown[]).map((entry) => {
    if (Array.isArray(entry)) return entry as RecentMessage;
    const { id, at } = entry as { id: string; at: string };
    return [digestOf(id), Math.floor(Date.parse(at) / 1000)];
  });
}

function seen(profile: Profile, at: string): void {
  const last = profile.lastSeenAt;
  if (last === undefined || Date.parse(at) - Date.parse(last) > SESSION_GAP_MS) {
    // Activity older than the last seen is part of a visit already counted.
    if (last === undefined || at > last) profile.sessions++;
  }
  profile.firstSeenAt = earlier(profile.firstSeenAt, at);
  profile.lastSeenAt = later(profile.lastSeenAt, at);
  profile.activeHours[hourOfWeek(at)]++;
}

function foldFact(profile: Profile, fact: ProfileFact): void {
  switch (fact.kind) {
    case "behaviour":
      for (const event of [...fact.events].sort((a, b) => a.ts.localeCompare(b.ts))) {
        seen(profile, event.ts);
        if (event.type === "add_to_cart") profile.cartAdds++;
        const category =
          event.productId && Object.hasOwn(fact.categories, event.productId)
            ? fact.categories[event.productId]
            : undefined;
        const byDay =
          event.type === "product_view" && category
            ? entry(profile.views, category, (): Record<string, number> => ({}))
            : undefined;
        if (byDay) {
          const day = event.ts.slice(0, 10);
          byDay[day] = (entry(byDay, day, () => 0) ?? 0) + 1;
        }
      }
      return;
    case "purchase":
    case "purchase_undone": {
      const sign = fact.kind === "purchase" ? 1 : -1;
      profile.purchases += sign;
      const spent = entry(profile.spent, fact.currency, () => 0);
      if (spent !== undefined) profile.spent[fact.currency] = spent + sign * fact.total;
      if (sign > 0) profile.lastPurchaseAt = later(profile.lastPurchaseAt, fact.at);
      return;
    }
    case "lesson":
    case "course_completed": {
      const course = entry(profile.courses, fact.courseId, () => ({
        lessonsCompleted: 0,
        lastActivityAt: fact.at,
        completed: false,
      }));
      if (!course) return;
      if (fact.kind === "lesson") course.lessonsCompleted++;
      else course.completed = true;
      course.lastActivityAt = later(course.lastActivityAt, fact.at);
      seen(profile, fact.at);
      return;
    }
    case "live_session":
      foldLiveSession(profile, fact);
      return;
    case "absorb":
      absorb(profile, fact.from);
      return;
  }
}

function foldLiveSession(
  profile: Profile,
  fact: Extract<ProfileFact, { kind: "live_session" }>,
): void {
  const course = entry(profile.courses, fact.courseId, (): CourseActivity => ({
    lessonsCompleted: 0,
    lastActivityAt: fact.at,
    completed: false,
  }));
  if (!course) return;
  course.liveMinutes = (course.liveMinutes ?? 0) + fact.minutes;
  if (!fact.attended) course.liveSessionsMissed = (course.liveSessionsMissed ?? 0) + 1;
  // Sessions may be told out of order: the latest one says whether the last was missed.
  if (course.lastLiveSessionAt === undefined || fact.at >= course.lastLiveSessionAt) {
    course.lastLiveSessionAt = fact.at;
    course.missedLastLiveSession = !fact.attended;
  }
  if (fact.attended) {
    course.lastActivityAt = later(course.lastActivityAt, fact.at);
    seen(profile, fact.at);
  }
}

/** Adds what one profile counted to another: the visitor's anonymous past becomes the user's. */
function absorb(profile: Profile, from: Profile): void {
  profile.sessions += from.sessions;
  profile.cartAdds += from.cartAdds;
  profile.purchases += from.purchases;
  for (const [currency, amount] of Object.entries(from.spent)) {
    const spent = entry(profile.spent, currency, () => 0);
    if (spent !== undefined) profile.spent[currency] = spent + amount;
  }
  for (const [category, byDay] of Object.entries(from.views)) {
    const mine = entry(profile.views, category, (): Record<string, number> => ({}));
    if (mine)
      for (const [day, n] of Object.entries(byDay))
        mine[day] = (entry(mine, day, () => 0) ?? 0) + n;
  }
  for (const [courseId, course] of Object.entries(from.courses)) {
    const mine = entry(profile.courses, courseId, () => ({ ...course, lessonsCompleted: 0 }));
    if (!mine) continue;
    mine.lessonsCompleted += course.lessonsCompleted;
    mine.completed ||= course.completed;
    mine.lastActivityAt = later(mine.lastActivityAt, course.lastActivityAt);
  }
  from.activeHours.forEach((n, hour) => (profile.activeHours[hour] += n));
  if (from.firstSeenAt) profile.firstSeenAt = earlier(profile.firstSeenAt, from.firstSeenAt);
  if (from.lastSeenAt) profile.lastSeenAt = later(profile.lastSeenAt, from.lastSeenAt);
  if (from.lastPurchaseAt)
    profile.lastPurchaseAt = later(profile.lastPurchaseAt, from.lastPurchaseAt);
  profile.timeZone ??= from.timeZone;
  profile.locale ??= from.locale;
}

function pruneViews(profile: Profile, now: Date): void {
  const oldest = new Date(now.getTime() - VIEW_DAYS * 86_400_000).toISOString().slice(0, 10);
  for (const [category, byDay] of Object.entries(profile.views)) {
    for (const day of Object.keys(byDay)) if (day < oldest) delete byDay[day];
    if (Object.keys(byDay).length === 0) delete profile.views[category];
  }
}

/** Views of a category over the last `days` days. */
export function viewsIn(profile: Profile, category: string, days: number, now: Date): number {
  const from = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  if (!Object.hasOwn(profile.views, category)) return 0;
  return Object.entries(profile.views[category])
    .filter(([day]) => day >= from)
    .reduce((sum, [, n]) => sum + n, 0);
}

/** The hour of the week the user is most active in, or undefined before any activity. */
export function busiestHour(profile: Profile): number | undefined {
  let best: number | undefined;
  profile.activeHours.forEach((n, hour) => {
    if (n > 0 && (best === undefined || n > profile.activeHours[best])) best = hour;
  });
  return best;
}
