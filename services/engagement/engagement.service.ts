import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { LRUCache } from "lru-cache";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { forbidden, notFound } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { adminGet, adminList } from "../../platform/actions/admin-reads";
import { allOptional } from "../../platform/actions/validator";
import { findPage, pageParams } from "../../platform/data/pagination";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { setGauge } from "../../platform/observability/metrics";
import { settingsOf } from "../../platform/runtime/settings-of";
import { consumer, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { addStoreLoop, DbMixin } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { ShopMetric } from "../../contracts/metrics";
import {
  JOURNEY_CHANNELS,
  MessageChannel,
  PREFERENCE_CATEGORIES,
  type Preferences,
  type SendAsk,
} from "../../contracts/engagement";
import type { EngagementThis } from "./engagement-this";
import { JourneyActions } from "./journey-actions";
import { fireDue, RUN_INDEXES } from "./journey-runs";
import {
  DEFINITIONS_CHANGED,
  definitionsChanged,
  forgetDefinitions,
  hearJourneyEvents,
  journeyDeps,
  segmentsMoved,
} from "./journey-wiring";
import { attributeOrder } from "./attribution-wiring";
import { Channel } from "../../contracts/channels";
import { MESSAGE_INDEXES } from "./message-log";
import { seedJourneys } from "./journey-seeds";
import {
  BY_USER_AND_TIME,
  DECISION_SHAPE,
  decideParams,
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
import { foldProfiles, isProfileChannel, sweepSegments } from "./profile-wiring";
import { PROFILE_CHANNELS, profileView } from "./profiles";
import { createSegment, MEMBER_INDEXES, updateSegment } from "./segments";
import { OutboxRelayMixin } from "../../mixins/outbox-relay.mixin";
import { decideSends } from "./send-decisions";
import { countDecision, policyOf, unsubscribeUrlFor } from "./send-policy";
import { readUnsubscribeToken } from "./unsubscribe-link";

const SWEEP_MS = 10 * 60_000;
const TIMERS_MS = 1000;
const CATEGORY_CACHE = { max: 20_000, ttl: 10 * 60_000 };

/**
 * One consumer for what engagement hears: the profile first (a journey's branch reads it), then
 * the journeys the message moves or starts.
 */
const hear = consumer<unknown>("engagement", async function (message, ctx) {
  const self = this as unknown as EngagementThis;
  const channel = message.type;
  if (isProfileChannel(channel))
    await foldProfiles(self, ctx, { ...message, type: channel }, segmentsMoved(self));
  await hearJourneyEvents(self, channel, message.data);
  if (channel === Channel.ORDERS_CONFIRMED) await attributeOrder(self, message);
  const lag = Math.max(0, (Date.now() - Date.parse(message.ts)) / 1000);
  setGauge(self.broker, ShopMetric.PROFILE_LAG, lag);
});

/** What engagement hears: what profiles fold and what journeys wait for. */
const HEARD = [...new Set<string>([...PROFILE_CHANNELS, ...JOURNEY_CHANNELS])];

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

const EngagementService: ServiceSchema<ServiceSettingSchema, EngagementThis> = {
  name: "engagement",
  mixins: [
    DbMixin({
      preferences: [],
      profiles: [],
      decisions: BY_USER_AND_TIME,
      sends: BY_USER_AND_TIME,
      segments: [],
      segment_members: MEMBER_INDEXES,
      journeys: [],
      journey_versions: [],
      journey_runs: RUN_INDEXES,
      templates: [],
      messages: MESSAGE_INDEXES,
      counters: [],
    }),
    ConsumerMixin,
    HealthMixin,
    OutboxRelayMixin("segment_members"),
    JourneyActions,
  ],

  created(this: EngagementThis) {
    this.categories = new LRUCache(CATEGORY_CACHE);
    this.versions = new LRUCache({ max: 1000 });
    this.shares = new LRUCache({ max: 1000, ttl: 60_000 });
    this.segmentList = { at: 0, list: [] };
    this.journeyList = { at: 0, list: [] };
    this.segmentSweep = new BackgroundLoop(
      "segment sweep",
      SWEEP_MS,
      () => sweepSegments(this, segmentsMoved(this)),
      this.logger,
    );
    // Every node looks for due timers; each due run is taken by one (journey-runs.ts).
    this.journeyTimers = new BackgroundLoop(
      "journey timers",
      TIMERS_MS,
      async () => {
        while ((await fireDue(journeyDeps(this))) > 0);
      },
      this.logger,
    );
    addStoreLoop(this, this.segmentSweep);
    addStoreLoop(this, this.journeyTimers);
  },

  async started(this: EngagementThis) {
    await seedJourneys(this.repos);
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
          policyOf(this.broker),
          "UTC",
          new Date(),
          countDecision(this.broker),
        );
        const unsubscribeUrl = unsubscribeUrlFor(this.broker, userId, category);
        return {
          decisions: decisions.map(({ channel, verdict, reason, detail, until }) => ({
            channel,
            verdict,
            reason,
            ...(detail ? { detail } : {}),
            ...(until ? { until } : {}),
          })),
          ...(unsubscribeUrl ? { unsubscribeUrl } : {}),
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
        await definitionsChanged(this);
        this.segmentSweep.wake();
        ctx.meta.$created = segment.id;
        return segment;
      },
    },

    listSegments: adminList("segments", "The segments", SEGMENT_SHAPE),

    getSegment: adminGet("segments", "Segment", "One segment", SEGMENT_SHAPE),

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
        await definitionsChanged(this);
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

  events: {
    [DEFINITIONS_CHANGED](this: EngagementThis) {
      forgetDefinitions(this);
    },
  },

  channels: Object.fromEntries(HEARD.map((channel) => [channel, hear])),
};

export default EngagementService;
