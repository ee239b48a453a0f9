import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { LRUCache } from "lru-cache";
import { forbidden, notFound } from "../../platform/actions/errors";
import { idRule, isId } from "../../platform/actions/ids";
import { call, type Caller } from "../../platform/actions/typed-call";
import { consumer, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { Action } from "../../contracts/actions";
import { ShopMetric } from "../../contracts/metrics";
import { countMetric, setGauge } from "../../platform/observability/metrics";
import { Channel } from "../../contracts/channels";
import type { Profile } from "./profile-fold";
import {
  createSegment,
  MAX_SEGMENTS,
  reconcile,
  updateSegment,
  type MemberDoc,
  type SegmentDoc,
} from "./segments";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { addStoreLoop } from "../../mixins/db.mixin";
import { pageAfter } from "../../platform/data/pagination";
import { allOptional } from "../../platform/actions/validator";
import type { SendPolicy } from "./decisions";
import { decideSends } from "./send-decisions";
import { findPage, pageParams } from "../../platform/data/pagination";
import { pageOf } from "../../platform/actions/openapi";
import { factsOf, foldInto, PROFILE_CHANNELS, profileView, type ProfileChannel } from "./profiles";
import { settingsOf } from "../../platform/runtime/settings-of";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import {
  MessageChannel,
  PREFERENCE_CATEGORIES,
  type Preferences,
  type SendAsk,
} from "../../contracts/engagement";
import {
  BY_USER_AND_TIME,
  DECISION_SHAPE,
  decideParams,
  type DecisionDoc,
  type SendDoc,
  PREFERENCES_SHAPE,
  PROFILE_SHAPE,
  MEMBER_SHAPE,
  SEGMENT_SHAPE,
  segmentFields,
  segmentParams,
  UNSUBSCRIBED_SHAPE,
  preferencesParams,
  type PreferencesDoc,
} from "./model";
import { preferencesOf, setPreferences, turnOff } from "./preferences";
import { readUnsubscribeToken, unsubscribeToken } from "./unsubscribe-link";

type EngagementThis = DbService<{
  preferences: PreferencesDoc;
  profiles: Profile;
  decisions: DecisionDoc;
  sends: SendDoc;
  segments: SegmentDoc;
  segment_members: MemberDoc;
}> & {
  /** The segments, read again at most every few seconds: every fold checks them all. */
  segmentList: { at: number; list: SegmentDoc[] };
  segmentSweep: BackgroundLoop;
  /** Product categories by id: behaviour events name a product, profiles count its category. */
  categories: LRUCache<string, string>;
};

const CATEGORY_CACHE = { max: 20_000, ttl: 10 * 60_000 };
const LOOKUP_BATCH = 100;

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

const SEGMENTS_FRESH_MS = 5000;
const SWEEP_MS = 10 * 60_000;
const SWEEP_PAGE = 500;

async function segmentsOf(self: EngagementThis): Promise<SegmentDoc[]> {
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
 * Rules that read time (days since, views in a window, stalled courses) change without a
 * message: every profile is checked again, a page at a time.
 */
async function sweepSegments(self: EngagementThis): Promise<void> {
  const segments = await segmentsOf(self);
  if (segments.length === 0) return;
  for (let after: string | undefined; ;) {
    const page = await pageAfter(self.repos.profiles, { after, limit: SWEEP_PAGE });
    for (const profile of page) await reconcile(self.repos.segment_members, profile, segments);
    if (page.length < SWEEP_PAGE) return;
    after = page.at(-1)!.id;
  }
}

/** Folds a message into the profile of every user it is about. */
const foldProfile = consumer<unknown>("engagement", async function (message, ctx) {
  const self = this as unknown as EngagementThis;
  const channel = message.type as ProfileChannel;
  const categories =
    channel === Channel.ANALYTICS_EVENTS
      ? await categoriesOf(self, ctx, (message.data as { events: { productId?: string }[] }).events)
      : {};
  const facts = factsOf(channel, message.data as never, message.ts, categories);
  for (const [userId, userFacts] of facts) {
    if (!isId(userId)) continue;
    const profile = await foldInto(self.repos.profiles, userId, message.id, userFacts);
    if (profile) await reconcile(self.repos.segment_members, profile, await segmentsOf(self));
  }
  const lag = Math.max(0, (Date.now() - Date.parse(message.ts)) / 1000);
  setGauge(self.broker, ShopMetric.PROFILE_LAG, lag);
});

const CHANNELS = Object.values(MessageChannel);

function centre(doc: PreferencesDoc | undefined) {
  return {
    off: doc?.off ?? {},
    categories: [...PREFERENCE_CATEGORIES],
    channels: CHANNELS,
    ...(doc?.timeZone ? { timeZone: doc.timeZone } : {}),
    ...(doc ? { updatedAt: doc.updatedAt } : {}),
  };
}

/** The shop's rules for its own messages, from the settings. */
function policyOf(self: EngagementThis): SendPolicy {
  const settings = settingsOf(self.broker);
  return {
    caps: [{ max: settings.maxMessagesPerDay, perMs: 24 * 3_600_000 }],
    ...(settings.quietHours ? { quietHours: settings.quietHours } : {}),
  };
}

const EngagementService: ServiceSchema<ServiceSettingSchema, EngagementThis> = {
  name: "engagement",
  mixins: [
    DbMixin({
      preferences: [],
      profiles: [],
      decisions: BY_USER_AND_TIME,
      sends: BY_USER_AND_TIME,
      segments: [],
      segment_members: [{ fields: ["userId"] }, { fields: ["segmentId", "active"] }],
    }),
    ConsumerMixin,
    HealthMixin,
  ],

  created(this: EngagementThis) {
    this.categories = new LRUCache(CATEGORY_CACHE);
    this.segmentList = { at: 0, list: [] };
    this.segmentSweep = new BackgroundLoop(
      "segment sweep",
      SWEEP_MS,
      () => sweepSegments(this),
      this.logger,
    );
    addStoreLoop(this, this.segmentSweep);
  },

  actions: {
    myPreferences: {
      openapi: {
        summary: "Your message preferences: the channels you turned off, by category",
        description:
          "`*` is every category. Absent is on. News of your own orders and account is always sent.",
        response: PREFERENCES_SHAPE,
      },
      params: { $$strict: true },
      async handler(this: EngagementThis, ctx: Ctx) {
        return centre(await preferencesOf(this.repos.preferences, callerOf(ctx).id));
      },
    },

    setMyPreferences: {
      openapi: {
        summary: "Replace your message preferences",
        response: PREFERENCES_SHAPE,
      },
      params: preferencesParams,
      async handler(this: EngagementThis, ctx: Ctx<{ off: Preferences; timeZone?: string }>) {
        const { off, timeZone } = ctx.params;
        return centre(
          await setPreferences(this.repos.preferences, callerOf(ctx).id, off, timeZone),
        );
      },
    },

    unsubscribe: {
      openapi: {
        summary: "One-click unsubscribe, from the signed link in a message",
        description:
          "The link turns off one category (or every one) for the user it was made for; following it again changes nothing. A link that is changed, made by anyone else, or over a year old is refused with 403.",
        response: UNSUBSCRIBED_SHAPE,
        errors: [403],
      },
      access: "public",
      params: { $$strict: "remove", token: { type: "string", min: 1, max: 512 } },
      async handler(this: EngagementThis, ctx: Ctx<{ token: string }>) {
        const link = readUnsubscribeToken(settingsOf(this.broker).jwtSecret, ctx.params.token);
        if (!link) throw forbidden("This unsubscribe link is not valid");
        const channels = link.channel ? [link.channel] : CHANNELS;
        await turnOff(this.repos.preferences, link.userId, link.category, channels);
        return { category: link.category, channels };
      },
    },

    /** Whether a message goes now, later or never, on each channel; recorded with the reason. */
    decide: {
      visibility: "public",
      params: decideParams,
      async handler(this: EngagementThis, ctx: Ctx<SendAsk>) {
        const { userId, category } = ctx.params;
        const decisions = await decideSends(
          this.repos,
          ctx.params,
          policyOf(this),
          "UTC",
          new Date(),
          ({ channel, verdict, reason }) =>
            countMetric(this.broker, ShopMetric.ENGAGEMENT_DECISIONS, { channel, verdict, reason }),
        );
        const { jwtSecret, publicUrl } = settingsOf(this.broker);
        const optional = (PREFERENCE_CATEGORIES as readonly string[]).includes(category);
        const token = optional && unsubscribeToken(jwtSecret, { userId, category });
        return {
          decisions: decisions.map(({ channel, verdict, reason, detail, until }) => ({
            channel,
            verdict,
            reason,
            ...(detail ? { detail } : {}),
            ...(until ? { until } : {}),
          })),
          ...(token ? { unsubscribeUrl: `${publicUrl}/api/v1/unsubscribe?token=${token}` } : {}),
        };
      },
    },

    decisions: {
      openapi: {
        summary: "Why a user did or did not get a message: every decision, newest first",
        response: pageOf(DECISION_SHAPE),
      },
      access: "admin",
      params: { $$strict: "remove", userId: idRule, ...pageParams },
      handler(this: EngagementThis, ctx: Ctx<{ userId: string; page: number; pageSize: number }>) {
        const { userId, page, pageSize } = ctx.params;
        return findPage(
          this.repos.decisions,
          { userId },
          { page, pageSize, sort: { at: -1 } },
          (doc) => doc,
        );
      },
    },

    createSegment: {
      openapi: {
        summary: "Define a segment: a rule over profile traits",
        description:
          "A rule is `{match: all|any, conditions: [{trait, op, value, …}]}`: traits views (with category and days), purchases, cartAdds, sessions, spent (with currency), daysSinceLastSeen, daysSinceLastPurchase, stalledCourses (with days); op gte, lte or eq. A rule that cannot be used is 422, naming each problem.",
        status: 201,
        response: SEGMENT_SHAPE,
        errors: [409, 422],
      },
      access: "admin",
      params: segmentParams,
      async handler(this: EngagementThis, ctx: Ctx<{ name: string; rule: unknown }>) {
        const segment = await createSegment(this.repos.segments, ctx.params);
        this.segmentList.at = 0;
        this.segmentSweep.wake();
        ctx.meta.$created = segment.id;
        return segment;
      },
    },

    listSegments: {
      openapi: { summary: "The segments", response: pageOf(SEGMENT_SHAPE) },
      access: "admin",
      params: { $$strict: "remove", ...pageParams },
      handler(this: EngagementThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        const { page, pageSize } = ctx.params;
        return findPage(
          this.repos.segments,
          {},
          { page, pageSize, sort: { createdAt: -1 } },
          (d) => d,
        );
      },
    },

    getSegment: {
      openapi: { summary: "One segment", response: SEGMENT_SHAPE, errors: [404] },
      access: "admin",
      params: { $$strict: true, id: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ id: string }>) {
        const segment = await this.repos.segments.findById(ctx.params.id);
        if (!segment) throw notFound("Segment");
        return segment;
      },
    },

    updateSegment: {
      openapi: {
        summary: "Rename a segment or change its rule",
        response: SEGMENT_SHAPE,
        errors: [404, 422],
      },
      access: "admin",
      params: { $$strict: true, ...allOptional(segmentFields), id: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ id: string; name?: string; rule?: unknown }>) {
        const { id, ...changes } = ctx.params;
        const segment = await updateSegment(this.repos.segments, id, changes);
        this.segmentList.at = 0;
        this.segmentSweep.wake();
        return segment;
      },
    },

    segmentMembers: {
      openapi: {
        summary: "Who is in a segment now, longest first",
        response: pageOf(MEMBER_SHAPE),
        errors: [404],
      },
      access: "admin",
      params: { $$strict: "remove", id: idRule, ...pageParams },
      async handler(
        this: EngagementThis,
        ctx: Ctx<{ id: string; page: number; pageSize: number }>,
      ) {
        const { id, page, pageSize } = ctx.params;
        if (!(await this.repos.segments.findById(id))) throw notFound("Segment");
        return findPage(
          this.repos.segment_members,
          { segmentId: id, active: true },
          { page, pageSize, sort: { since: 1 } },
          ({ userId, since }) => ({ userId, since }),
        );
      },
    },

    profile: {
      openapi: {
        summary: "A user's profile: what they did, folded into traits",
        description:
          "Last seen, visits, product views by category (the last 7 days), cart adds, purchases and spend by currency (net of cancellations), courses in progress with their last activity, and the busiest hour of the week (UTC, 0 is Monday 00:00).",
        response: PROFILE_SHAPE,
        errors: [404],
      },
      access: "admin",
      params: { $$strict: true, userId: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ userId: string }>) {
        const profile = await this.repos.profiles.findById(ctx.params.userId);
        if (!profile) throw notFound("Profile");
        return profileView(profile);
      },
    },
  } satisfies Actions,

  channels: Object.fromEntries(PROFILE_CHANNELS.map((channel) => [channel, foldProfile])),
};

export default EngagementService;
