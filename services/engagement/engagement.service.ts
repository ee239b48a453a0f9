import { Action } from "../../contracts/actions";
import { provide } from "../../platform/actions/typed-call";
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { LRUCache } from "lru-cache";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { forbidden } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { findPage, pageParams } from "../../platform/data/pagination";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { GroupCommit } from "../../platform/messaging/group-commit";
import { setGauge } from "../../platform/observability/metrics";
import { settingsOf } from "../../platform/runtime/settings-of";
import { consumes, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { addStoreLoop, DbMixin } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin } from "../../mixins/outbox-relay.mixin";
import { Channel } from "../../contracts/channels";
import { ShopMetric } from "../../contracts/metrics";
import {
  JOURNEY_CHANNELS,
  MessageChannel,
  PREFERENCE_CATEGORIES,
  type Preferences,
} from "../../contracts/engagement";
import { attributeOrder } from "./journeys/attribution-wiring";
import type { EngagementThis } from "./engagement-this";
import { JourneyActions } from "./journeys/journey-actions";
import { fireDue, RUN_INDEXES } from "./journeys/journey-runs";
import { seedJourneys } from "./journeys/journey-seeds";
import {
  DEFINITIONS_CHANGED,
  forgetDefinitions,
  enterSegmentJourneys,
  hearJourneyEvents,
  journeyDeps,
} from "./journeys/journey-wiring";
import { MESSAGE_INDEXES } from "./journeys/message-log";
import {
  BY_USER_AND_TIME,
  DECISION_SHAPE,
  decideParams,
  PREFERENCES_SHAPE,
  UNSUBSCRIBED_SHAPE,
  preferencesParams,
  type PreferencesDoc,
} from "./model";
import { preferencesOf, setPreferences, turnOff } from "./decisions/preferences";
import { ProfileActions } from "./profiles/profile-actions";
import {
  foldProfiles,
  foldTogether,
  isProfileChannel,
  sweepSegments,
} from "./profiles/profile-wiring";
import { PROFILE_CHANNELS } from "./profiles/profiles";
import { MEMBER_INDEXES } from "./segments/segments";
import { decideSends } from "./decisions/send-decisions";
import { countDecision, policyOf, unsubscribeUrlFor } from "./decisions/send-policy";
import { readUnsubscribeToken } from "./decisions/unsubscribe-link";

const SWEEP_MS = 10 * 60_000;
const TIMERS_MS = 1000;
const CATEGORY_CACHE = { max: 20_000, ttl: 10 * 60_000 };
/** Messages folded at once at most: a message names up to 500 users, a statement reads them all. */
const FOLD_TOGETHER = 16;

/** What engagement hears: what profiles fold and what journeys wait for. */
const HEARD = [
  ...new Set([...PROFILE_CHANNELS, ...JOURNEY_CHANNELS, Channel.ENGAGEMENT_SEGMENT_ENTERED]),
];

/**
 * One consumer for what engagement hears: the profile first (a journey's branch reads it), then
 * the journeys the message moves or starts.
 */
const hear = consumes(HEARD, "engagement", async function (message, ctx) {
  const self = this as unknown as EngagementThis;
  if (isProfileChannel(message.type))
    await foldProfiles(self, ctx, { ...message, type: message.type });
  await hearJourneyEvents(self, message);
  if (message.type === Channel.ENGAGEMENT_SEGMENT_ENTERED)
    await enterSegmentJourneys(self, message.data);
  if (message.type === Channel.ORDERS_CONFIRMED) await attributeOrder(self, message);
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
    ...(doc?.locale ? { locale: doc.locale } : {}),
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
      journey_places: [],
      templates: [],
      messages: MESSAGE_INDEXES,
      counters: [],
    }),
    ConsumerMixin,
    HealthMixin,
    OutboxRelayMixin("segment_members"),
    ProfileActions,
    JourneyActions,
  ],

  created(this: EngagementThis) {
    this.categories = new LRUCache(CATEGORY_CACHE);
    this.profileFolds = new GroupCommit((messages) => foldTogether(this, messages), FOLD_TOGETHER);
    this.versions = new LRUCache({ max: 1000 });
    this.shares = new LRUCache({ max: 1000, ttl: 60_000 });
    this.segmentList = { at: 0, list: [] };
    this.journeyList = { at: 0, list: [] };
    this.segmentSweep = new BackgroundLoop(
      "segment sweep",
      SWEEP_MS,
      () => sweepSegments(this),
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
      async handler(
        this: EngagementThis,
        ctx: Ctx<{ off: Preferences; timeZone?: string; locale?: string }>,
      ) {
        return centre(await setPreferences(this.repos.preferences, callerOf(ctx).id, ctx.params));
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
    decide: provide(Action.engagement.decide, {
      visibility: "public",
      params: decideParams,
      async handler(this: EngagementThis, ctx) {
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
    }),

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
  } satisfies Actions,

  events: {
    [DEFINITIONS_CHANGED](this: EngagementThis) {
      forgetDefinitions(this);
    },
  },

  channels: hear,
};

export default EngagementService;
