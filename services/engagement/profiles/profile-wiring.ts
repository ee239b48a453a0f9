import { Action } from "../../../contracts/actions";
import { Channel, type ChannelPayloads } from "../../../contracts/channels";
import { isId } from "../../../platform/actions/ids";
import { call, type Caller } from "../../../platform/actions/typed-call";
import { pageAfter } from "../../../platform/data/pagination";
import { replayChannel } from "../../../platform/messaging/channel-replay";
import type { EngagementThis } from "../engagement-this";
import {
  absorbAnonymous,
  factsOf,
  foldAll,
  signedInOf,
  PROFILE_CHANNELS,
  type FoldableMessage,
  type ProfileChannel,
} from "./profiles";
import { MAX_SEGMENTS, reconcile, type MemberDoc, type SegmentDoc } from "../segments/segments";
import { anonymousProfileId, isAnonymousProfile, type Profile } from "./profile-fold";

const LOOKUP_BATCH = 100;
const SEGMENTS_FRESH_MS = 5000;
const SWEEP_PAGE = 500;

/** The categories of the products a batch of events names, from the catalog (cached). */
async function categoriesOf(
  self: EngagementThis,
  caller: Caller,
  events: { productId?: string }[],
): Promise<Record<string, string>> {
  const ids = [...new Set(events.flatMap((e) => (e.productId ? [e.productId] : [])))];
  const missing = ids.filter((id) => !self.categories.has(id));
  for (let i = 0; i < missing.length; i += LOOKUP_BATCH) {
    const products = await call(caller, Action.catalog.getMany, {
      ids: missing.slice(i, i + LOOKUP_BATCH),
    });
    for (const product of products) self.categories.set(product.id, product.category);
    // An id the catalog does not know is remembered as such: a stream of made-up ids must not
    // cost a catalog call each.
    for (const id of missing.slice(i, i + LOOKUP_BATCH))
      if (!self.categories.has(id)) self.categories.set(id, "");
  }
  return Object.fromEntries(
    ids.flatMap((id) => {
      const category = self.categories.get(id);
      return category ? [[id, category]] : [];
    }),
  );
}

export async function segmentsOf(self: EngagementThis): Promise<SegmentDoc[]> {
  if (Date.now() - self.segmentList.at > SEGMENTS_FRESH_MS)
    self.segmentList = {
      at: Date.now(),
      // By id from the start: the key's index answers, and the list is bounded (MAX_SEGMENTS).
      list: await self.repos.segments.find(
        { id: { $gt: "" } },
        { sort: { id: 1 }, limit: MAX_SEGMENTS },
      ),
    };
  return self.segmentList.list;
}

/**
 * Puts a user in the segments their profile matches and out of the others. A move is written in
 * the members' outbox with the membership, and published from there (journeys hear it there
 * too, `enterSegmentJourneys`): the relay is woken so it goes at once.
 */
export async function setSegments(
  self: EngagementThis,
  profile: Profile,
  segments: SegmentDoc[],
  now?: Date,
  /** The user's member rows, when the caller read them with other users'. */
  known?: MemberDoc[],
): Promise<void> {
  // A visitor not signed in cannot be written to: segments, and so journeys, are for users.
  if (isAnonymousProfile(profile.id)) return;
  const moved = await reconcile(self.repos.segment_members, profile, segments, now, known);
  if (moved.entered.length || moved.left.length) self.outboxRelay.wake();
}

/**
 * Rules that read time (days since, views in a window, stalled courses) change without a
 * message: every profile is checked again, a page at a time.
 */
export async function sweepSegments(self: EngagementThis): Promise<void> {
  const segments = await segmentsOf(self);
  if (segments.length === 0) return;
  for (let after: string | undefined; ;) {
    const page = await pageAfter(self.repos.profiles, { after, limit: SWEEP_PAGE });
    for (const profile of page) await setSegments(self, profile, segments);
    if (page.length < SWEEP_PAGE) return;
    after = page.at(-1)!.id;
  }
}

export const isProfileChannel = (channel: string): channel is ProfileChannel =>
  (PROFILE_CHANNELS as readonly string[]).includes(channel);

const byId = (profiles: Profile[]) => new Map(profiles.map((p) => [p.id, p]));

async function membersOf(self: EngagementThis, users: string[]): Promise<Map<string, MemberDoc[]>> {
  const rows = new Map<string, MemberDoc[]>();
  for (const row of await self.repos.segment_members.find({ userId: { $in: users } }))
    rows.set(row.userId, [...(rows.get(row.userId) ?? []), row]);
  return rows;
}

/**
 * Folds a message into the profile of every user it is about. Messages that arrive while a fold
 * is being written are folded together next (`profileFolds`): a user named in several of them
 * is read and written once.
 */
export async function foldProfiles(
  self: EngagementThis,
  ctx: Caller,
  message: { id: string; type: ProfileChannel; ts: string; data: unknown },
  /** A rebuild folds one user's facts (or every user's) and leaves segments until it ends. */
  rebuild?: { only?: string },
): Promise<void> {
  const channel = message.type;
  const categories =
    channel === Channel.ANALYTICS_EVENTS
      ? await categoriesOf(self, ctx, (message.data as { events: { productId?: string }[] }).events)
      : {};
  const facts = factsOf(channel, message.data as never, message.ts, categories);
  for (const userId of facts.keys())
    if (!isId(userId) || (rebuild?.only !== undefined && userId !== rebuild.only))
      facts.delete(userId);
  const signedIn =
    channel === Channel.ANALYTICS_EVENTS
      ? signedInOf(message.data as ChannelPayloads["analytics.events"]).filter(
          (s) => rebuild?.only === undefined || s.userId === rebuild.only,
        )
      : [];
  if (facts.size === 0 && signedIn.length === 0) return;
  const foldable = { id: message.id, facts, signedIn };
  if (rebuild) await foldTogether(self, [foldable], false);
  else await self.profileFolds.add(foldable);
}

/**
 * Messages folded at once: their users' profiles and memberships read in one statement each,
 * the profiles written in one transaction, then each user's segments set (and moves told).
 */
export async function foldTogether(
  self: EngagementThis,
  messages: FoldableMessage[],
  /** A rebuild leaves segments alone until it ends. */
  withSegments = true,
): Promise<void> {
  const { profiles } = self.repos;
  const users = [...new Set(messages.flatMap((m) => [...m.facts.keys()]))];
  const now = new Date();
  const held = byId(await profiles.find({ id: { $in: users } }));
  const written = await foldAll(profiles, messages, held, now);
  // After the batch's own events (an anonymous visitor's last views may ride with their sign-in).
  // A storefront may send the anonymous id on every event after sign-in: one read finds which
  // visitors still have a profile to take in, most often none.
  const signedIn = messages.flatMap((m) => m.signedIn ?? []);
  if (signedIn.length) {
    const ids = signedIn.map((s) => anonymousProfileId(s.anonymousId));
    const anonymous = byId(await profiles.find({ id: { $in: [...new Set(ids)] } }));
    for (const [i, visitor] of signedIn.entries()) {
      const merged = await absorbAnonymous(profiles, visitor, now, anonymous.get(ids[i]) ?? null);
      if (merged) written.set(visitor.userId, merged);
    }
  }
  if (!withSegments || written.size === 0) return;
  const segments = await segmentsOf(self);
  if (segments.length === 0) return;
  const rows = await membersOf(self, [...written.keys()]);
  for (const [userId, profile] of written)
    await setSegments(self, profile, segments, now, rows.get(userId) ?? []);
}

/**
 * A user's profile (or every one) made again from the channels' history: deleted, then every
 * kept message folded in again, in order, by the same fold. Segments are set once, at the end
 * (one user) or by the sweep (everyone), so a replay half way never tells a move that is not.
 * Answers how many messages were read.
 */
export async function rebuildProfiles(self: EngagementThis, only?: string): Promise<number> {
  if (only) await self.repos.profiles.deleteOne({ id: only });
  else await self.repos.profiles.deleteMany({ id: { $gt: "" } });
  let read = 0;
  for (const channel of PROFILE_CHANNELS)
    read += await replayChannel(self.broker, channel, (message) =>
      foldProfiles(self, self.broker, { ...message, type: channel }, { only }),
    );
  if (!only) self.segmentSweep.wake();
  return read;
}
