import { Channel, type ChannelPayloads } from "../../../contracts/channels";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import type { Repository } from "../../../platform/data/repository";
import {
  anonymousProfileId,
  busiestHour,
  emptyProfile,
  foldMessage,
  viewsIn,
  type Profile,
  type ProfileFact,
} from "./profile-fold";

export type Profiles = Repository<Profile>;

/** The channels a profile is folded from. */
export const PROFILE_CHANNELS = [
  Channel.ANALYTICS_EVENTS,
  Channel.ORDERS_CONFIRMED,
  Channel.ORDERS_CANCELLED,
  Channel.COURSES_LESSON_COMPLETED,
  Channel.COURSES_COMPLETED,
  Channel.CLASSROOM_SESSION_ENDED,
] as const;
export type ProfileChannel = (typeof PROFILE_CHANNELS)[number];

/** A message's facts, by the user they are about. */
export function factsOf<C extends ProfileChannel>(
  channel: C,
  data: ChannelPayloads[C],
  ts: string,
  categories: Record<string, string> = {},
): Map<string, ProfileFact[]> {
  const facts = new Map<string, ProfileFact[]>();
  const add = (userId: string, fact: ProfileFact) =>
    facts.set(userId, [...(facts.get(userId) ?? []), fact]);
  switch (channel) {
    case Channel.ANALYTICS_EVENTS: {
      const byUser = new Map<string, ChannelPayloads["analytics.events"]["events"]>();
      for (const event of (data as ChannelPayloads["analytics.events"]).events) {
        // A visitor not signed in has a profile of their own until they sign in.
        const who =
          event.userId ?? (event.anonymousId ? anonymousProfileId(event.anonymousId) : undefined);
        if (who) byUser.set(who, [...(byUser.get(who) ?? []), event]);
      }
      for (const [userId, events] of byUser) add(userId, { kind: "behaviour", events, categories });
      break;
    }
    case Channel.ORDERS_CONFIRMED:
    case Channel.ORDERS_CANCELLED: {
      const order = data as ChannelPayloads["orders.confirmed"];
      const kind = channel === Channel.ORDERS_CONFIRMED ? "purchase" : "purchase_undone";
      add(order.userId, { kind, total: order.total, currency: order.currency, at: ts });
      break;
    }
    case Channel.COURSES_LESSON_COMPLETED: {
      const done = data as ChannelPayloads["courses.lesson_completed"];
      add(done.userId, { kind: "lesson", courseId: done.courseId, at: done.completedAt });
      break;
    }
    case Channel.COURSES_COMPLETED: {
      const done = data as ChannelPayloads["courses.completed"];
      add(done.userId, { kind: "course_completed", courseId: done.courseId, at: done.completedAt });
      break;
    }
    case Channel.CLASSROOM_SESSION_ENDED: {
      // Learners only: a profile's courses are those the user takes, not those they teach.
      const ended = data as ChannelPayloads["classroom.session_ended"];
      for (const person of ended.people)
        if (person.role === "learner")
          add(person.userId, {
            kind: "live_session",
            courseId: ended.courseId,
            attended: person.attended,
            minutes: person.minutes,
            at: ended.endedAt,
          });
      break;
    }
  }
  return facts;
}

const FOLD_ATTEMPTS = 40;

/** Writers of one hot profile back off at random, so they stop colliding in step. */
const backOff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(attempt, 6)));

/**
 * Folds one message's facts into a user's profile, once: the write holds only if nobody wrote
 * the profile since it was read (another node, another message), and a message the profile
 * already holds changes nothing. Answers the profile as written, or undefined when it held the
 * message already.
 */
export async function foldInto(
  profiles: Profiles,
  userId: string,
  messageId: string,
  facts: ProfileFact[],
  now = new Date(),
): Promise<Profile | undefined> {
  for (let attempt = 0; attempt < FOLD_ATTEMPTS; attempt++) {
    const current = await profiles.findById(userId);
    const before = current ?? emptyProfile(userId);
    const next = foldMessage(before, messageId, facts, now);
    if (next === before) return undefined;
    if (!current) {
      if (await insertIfAbsent(profiles, next)) return next;
      await backOff(attempt);
      continue;
    }
    const [written] = await profiles.replaceEach([
      { filter: { id: userId, version: current.version }, doc: next },
    ]);
    if (written) return next;
    await backOff(attempt);
  }
  throw new Error(`The profile of ${userId} kept changing under ${FOLD_ATTEMPTS} folds`);
}

/** A message's facts, by the user they are about: what a fold takes. */
export interface FoldableMessage {
  id: string;
  facts: Map<string, ProfileFact[]>;
  /** Visitors who signed in: each anonymous profile to take into its user's. */
  signedIn?: SignedIn[];
}

export interface SignedIn {
  userId: string;
  anonymousId: string;
}

/** The events that say an anonymous visitor is a user: both ids on one event. */
export function signedInOf(data: ChannelPayloads["analytics.events"]): SignedIn[] {
  const pairs = new Map<string, SignedIn>();
  for (const { userId, anonymousId } of data.events)
    if (userId && anonymousId) pairs.set(`${userId} ${anonymousId}`, { userId, anonymousId });
  return [...pairs.values()];
}

/**
 * Takes an anonymous visitor's profile into their user's, once: the merge is folded as a message
 * named after the anonymous profile's version (a repeat is recognised as one), and the anonymous
 * profile is then deleted at that version, so what the visitor did after it was read stays for
 * the next sign-in. A crash between the two is finished by the repeat. Answers the user's
 * profile when it changed.
 */
export async function absorbAnonymous(
  profiles: Profiles,
  { userId, anonymousId }: SignedIn,
  now = new Date(),
  /** The anonymous profile when the caller read it with others'; null when there is none. */
  read?: Profile | null,
): Promise<Profile | undefined> {
  const id = anonymousProfileId(anonymousId);
  const anonymous = read === undefined ? await profiles.findById(id) : read;
  if (!anonymous) return undefined;
  const merged = await foldInto(
    profiles,
    userId,
    `absorb:${id}:${anonymous.version}`,
    [{ kind: "absorb", from: anonymous }],
    now,
  );
  await profiles.deleteOne({ id, version: anonymous.version });
  return merged;
}

/**
 * Folds messages (one, or several that arrived together) into the profiles of every user they
 * are about, read before in one statement: each profile takes its messages in order and is
 * written once, all of them together, each under the version it was read at (one transaction,
 * not one a user and message). A user whose profile changed in between is folded again on their
 * own. Answers each user's profile as written; a user whose profile held every message already
 * is left out.
 */
export async function foldAll(
  profiles: Profiles,
  messages: FoldableMessage[],
  held: Map<string, Profile>,
  now = new Date(),
): Promise<Map<string, Profile>> {
  const users = [...new Set(messages.flatMap((m) => [...m.facts.keys()]))];
  const about = (userId: string) => messages.filter((m) => m.facts.has(userId));
  const written = new Map<string, Profile>();
  const alone: string[] = [];
  const together: { userId: string; next: Profile; version: number }[] = [];
  for (const userId of users) {
    const current = held.get(userId);
    if (!current) {
      alone.push(userId);
      continue;
    }
    const next = about(userId).reduce(
      (profile, m) => foldMessage(profile, m.id, m.facts.get(userId)!, now),
      current,
    );
    if (next !== current) together.push({ userId, next, version: current.version });
  }
  const replaced = await profiles.replaceEach(
    together.map(({ userId, next, version }) => ({ filter: { id: userId, version }, doc: next })),
  );
  together.forEach(({ userId, next }, i) =>
    replaced[i] ? written.set(userId, next) : alone.push(userId),
  );
  for (const userId of alone)
    for (const m of about(userId)) {
      const profile = await foldInto(profiles, userId, m.id, m.facts.get(userId)!, now);
      if (profile) written.set(userId, profile);
    }
  return written;
}

/** What an admin reads of a profile: its traits, and what they add up to now. */
export function profileView(profile: Profile, now = new Date()) {
  const { recent: _recent, version: _version, views, ...traits } = profile;
  void _recent;
  void _version;
  const inProgress = Object.entries(profile.courses)
    .filter(([, c]) => !c.completed)
    .map(([courseId, c]) => ({ courseId, ...c }));
  return {
    ...traits,
    viewsLast7Days: Object.fromEntries(
      Object.keys(views).map((category) => [category, viewsIn(profile, category, 7, now)]),
    ),
    coursesInProgress: inProgress,
    busiestHourOfWeek: busiestHour(profile) ?? null,
  };
}
