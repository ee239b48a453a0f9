import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { LRUCache } from "lru-cache";
import { forbidden, notFound } from "../../platform/actions/errors";
import { idRule, isId } from "../../platform/actions/ids";
import { call, type Caller } from "../../platform/actions/typed-call";
import { consumer, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { Action } from "../../contracts/actions";
import { Channel } from "../../contracts/channels";
import type { Profile } from "./profile-fold";
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
}> & {
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
  }
  return Object.fromEntries(
    ids.flatMap((id) => {
      const category = self.categories.get(id);
      return category ? [[id, category]] : [];
    }),
  );
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
  for (const [userId, userFacts] of facts)
    if (isId(userId)) await foldInto(self.repos.profiles, userId, message.id, userFacts);
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
    }),
    ConsumerMixin,
    HealthMixin,
  ],

  created(this: EngagementThis) {
    this.categories = new LRUCache(CATEGORY_CACHE);
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
        const decisions = await decideSends(this.repos, ctx.params, policyOf(this), "UTC");
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
