import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { forbidden } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { settingsOf } from "../../platform/runtime/settings-of";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import {
  MessageChannel,
  PREFERENCE_CATEGORIES,
  type PreferenceCategory,
  type Preferences,
  type Reach,
} from "../../contracts/engagement";
import {
  PREFERENCES_SHAPE,
  UNSUBSCRIBED_SHAPE,
  preferencesParams,
  type PreferencesDoc,
} from "./model";
import { channelsOff, preferencesOf, setPreferences, turnOff } from "./preferences";
import { readUnsubscribeToken, unsubscribeToken } from "./unsubscribe-link";

type EngagementThis = DbService<{ preferences: PreferencesDoc }>;

const CHANNELS = Object.values(MessageChannel);

function centre(doc: PreferencesDoc | undefined) {
  return {
    off: doc?.off ?? {},
    categories: [...PREFERENCE_CATEGORIES],
    channels: CHANNELS,
    ...(doc ? { updatedAt: doc.updatedAt } : {}),
  };
}

const EngagementService: ServiceSchema<ServiceSettingSchema, EngagementThis> = {
  name: "engagement",
  mixins: [DbMixin({ preferences: [] }), HealthMixin],

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
      async handler(this: EngagementThis, ctx: Ctx<{ off: Preferences }>) {
        const doc = await setPreferences(this.repos.preferences, callerOf(ctx).id, ctx.params.off);
        return centre(doc);
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

    /** How another service may reach a user in a category, and the link that stops it. */
    reachOf: {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: {
        $$strict: true,
        userId: idRule,
        category: { type: "enum", values: [...PREFERENCE_CATEGORIES] },
      },
      async handler(
        this: EngagementThis,
        ctx: Ctx<{ userId: string; category: PreferenceCategory }>,
      ): Promise<Reach> {
        const { userId, category } = ctx.params;
        const doc = await preferencesOf(this.repos.preferences, userId);
        const { jwtSecret, publicUrl } = settingsOf(this.broker);
        const token = unsubscribeToken(jwtSecret, { userId, category });
        return {
          off: channelsOff(doc?.off ?? {}, category),
          unsubscribeUrl: `${publicUrl}/api/v1/unsubscribe?token=${token}`,
        };
      },
    },
  } satisfies Actions,
};

export default EngagementService;
