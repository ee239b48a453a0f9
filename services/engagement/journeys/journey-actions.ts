import type { ServiceSchema } from "moleculer";
import type { Ctx } from "../../../platform/actions/access";
import type { Actions } from "../../../platform/actions/action-properties";
import { notFound } from "../../../platform/actions/errors";
import { idRule } from "../../../platform/actions/ids";
import { pageOf } from "../../../platform/actions/openapi";
import { adminGet, adminList } from "../../../platform/actions/admin-reads";
import { allOptional } from "../../../platform/actions/validator";
import { findPage, pageParams } from "../../../platform/data/pagination";
import type { JourneyDefinition, JourneyStatus } from "../../../contracts/engagement";
import type { EngagementThis } from "../engagement-this";
import { definitionsChanged, outcomeStores } from "./journey-wiring";
import {
  JOURNEY_SHAPE,
  JOURNEY_STATS_SHAPE,
  journeyFields,
  journeyParams,
  PREVIEW_SHAPE,
  previewParams,
  RUN_SHAPE,
  TEMPLATE_SHAPE,
  TEMPLATE_STATS_SHAPE,
  templateFields,
  templateParams,
} from "./journey-model";
import { createJourney, journeyStats, updateJourney } from "./journeys";
import { createTemplate, updateTemplate, variantCount } from "../content/templates";
import { journeyOutcomes, recordClick, variantShares, variantStats } from "./message-log";
import { readLinkToken } from "../content/tracked-links";
import { previewTemplate } from "../content/preview";
import { settingsOf } from "../../../platform/runtime/settings-of";
import { call } from "../../../platform/actions/typed-call";
import { Action } from "../../../contracts/actions";

type Paged = { page: number; pageSize: number };

/** What a template may name, as the API description tells an author. */
const TEMPLATE_VARIABLES =
  "Variables: `user.id`, `user.name`, `user.email`; `profile` (`purchases`, `cartAdds`, `sessions`, `spent`, `lastPurchaseAt`, `coursesInProgress`, …); `event` (what the trigger told: an order's `items`, `total`, `currency`, a course's `courseId`); `key` (the trigger's key); `unsubscribeUrl`; `shopUrl`. Filters: `money: currency`, `plural: 'one', 'other'`, `track` (a link through the click counter). Sample: `{{ user.name }}, your {{ event.total | money: event.currency }} order is on its way. {{ shopUrl | track }}`. A template stands alone: `include`, `render` and `layout` are refused.";

const STEP_FORMS =
  "Steps: `wait {minutes}`; `waitFor {event, sameKey, timeoutMinutes, onEvent, onTimeout}` (a target is next, exit or a later step's index); `branch {rule, otherwise}` (a segment rule over the profile); `send {template, category, channels, fallback, priority}`; `exit`. Events are a channel (orders.confirmed, orders.shipped, orders.delivered, orders.cancelled, users.registered, courses.lesson_completed, courses.completed) or a behaviour event as `event:<type>`, keyed by its order, course, user, or `props.key` (else product).";

/** Journeys and their templates: set up by admins, read for their results. */
export const JourneyActions: Partial<ServiceSchema> = {
  actions: {
    createJourney: {
      openapi: {
        summary: "Define a journey: a trigger, then steps each user goes through",
        description: `A trigger is \`{segment: id}\` (entering it) or \`{event: name}\`. Re-entry is \`once\` per user, \`afterExit\` (again once their run has ended: one run at a time) or \`perKey\` (once per order, course or cart state). ${STEP_FORMS} A journey starts paused unless \`status\` is active. Problems are 422, each named by place.`,
        status: 201,
        response: JOURNEY_SHAPE,
        errors: [409, 422],
      },
      access: "admin",
      params: journeyParams,
      async handler(
        this: EngagementThis,
        ctx: Ctx<JourneyDefinition & { status?: JourneyStatus }>,
      ) {
        const journey = await createJourney(this.repos, ctx.params);
        await definitionsChanged(this);
        ctx.meta.$created = journey.id;
        return journey;
      },
    },

    listJourneys: adminList("journeys", "The journeys", JOURNEY_SHAPE),

    getJourney: adminGet(
      "journeys",
      "Journey",
      "One journey, as its latest version",
      JOURNEY_SHAPE,
    ),

    updateJourney: {
      openapi: {
        summary: "Pause, resume, rename or change a journey",
        description:
          "A change to the trigger, re-entry or steps is a new version: users already in the journey finish the version they entered. Two changes at once: the second is 409.",
        response: JOURNEY_SHAPE,
        errors: [404, 409, 422],
      },
      access: "admin",
      params: { $$strict: true, ...allOptional(journeyFields), id: idRule },
      async handler(
        this: EngagementThis,
        ctx: Ctx<Partial<JourneyDefinition> & { id: string; status?: JourneyStatus }>,
      ) {
        const { id, ...changes } = ctx.params;
        const journey = await updateJourney(this.repos, id, changes);
        await definitionsChanged(this);
        return journey;
      },
    },

    journeyStats: {
      openapi: {
        summary: "How many entered a journey, and where they are now",
        response: JOURNEY_STATS_SHAPE,
        errors: [404],
      },
      access: "admin",
      params: { $$strict: true, id: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ id: string }>) {
        const journey = await this.repos.journeys.findById(ctx.params.id);
        if (!journey) throw notFound("Journey");
        return {
          ...(await journeyStats(this.repos.journey_runs, journey)),
          ...(await journeyOutcomes(this.repos.counters, journey.id)),
        };
      },
    },

    journeyRuns: {
      openapi: {
        summary: "Who is in a journey, where, and how each run ended",
        response: pageOf(RUN_SHAPE),
        errors: [404],
      },
      access: "admin",
      params: {
        $$strict: "remove",
        id: idRule,
        userId: { ...idRule, optional: true },
        ...pageParams,
      },
      async handler(this: EngagementThis, ctx: Ctx<{ id: string; userId?: string } & Paged>) {
        const { id, userId, page, pageSize } = ctx.params;
        if (!(await this.repos.journeys.findById(id))) throw notFound("Journey");
        return findPage(
          this.repos.journey_runs,
          userId ? { journeyId: id, userId } : { journeyId: id },
          { page, pageSize, sort: { enteredAt: -1 } },
          ({ journeyId: _j, rev: _r, waitKey: _w, ...run }) => run,
        );
      },
    },

    createTemplate: {
      openapi: {
        summary: "Write a message template: its words by locale and channel",
        description:
          "`locales` maps a locale (en, pt-BR) to channels (inbox: title and body; email: subject, optional preheader, body; webhook: body). Every field is Liquid, strict: a variable not given is an error when it is filled in, never an empty string. `variants` (up to three) are `{name, locales}` tried on a share of users. " +
          TEMPLATE_VARIABLES,
        status: 201,
        response: TEMPLATE_SHAPE,
        errors: [422],
      },
      access: "admin",
      params: templateParams,
      async handler(
        this: EngagementThis,
        ctx: Ctx<{ name: string; defaultLocale: string; locales: unknown; variants?: unknown }>,
      ) {
        const template = await createTemplate(this.repos.templates, ctx.params);
        ctx.meta.$created = template.id;
        return template;
      },
    },

    listTemplates: adminList("templates", "The message templates", TEMPLATE_SHAPE),

    getTemplate: adminGet("templates", "Template", "One message template", TEMPLATE_SHAPE),

    updateTemplate: {
      openapi: {
        summary: "Change a template's words",
        response: TEMPLATE_SHAPE,
        errors: [404, 422],
      },
      access: "admin",
      params: { $$strict: true, ...allOptional(templateFields), id: idRule },
      async handler(
        this: EngagementThis,
        ctx: Ctx<{
          id: string;
          name?: string;
          defaultLocale?: string;
          locales?: unknown;
          variants?: unknown;
        }>,
      ) {
        const { id, ...changes } = ctx.params;
        return updateTemplate(this.repos.templates, id, changes);
      },
    },

    templateStats: {
      openapi: {
        summary: "How each variant of a template did: sent, clicked, and orders after a click",
        description:
          "`share` is the part of users each variant gets now: Thompson sampling over clicks and orders, never under 5 %, so a variant that sells is promoted and the others keep being measured.",
        response: TEMPLATE_STATS_SHAPE,
        errors: [404],
      },
      access: "admin",
      params: { $$strict: true, id: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ id: string }>) {
        const template = await this.repos.templates.findById(ctx.params.id);
        if (!template) throw notFound("Template");
        const count = variantCount(template);
        const counter = await this.repos.counters.findById(`template_${template.id}`);
        const shares = variantShares(counter, count);
        const names = ["A", ...(template.variants ?? []).map((v) => v.name)];
        return {
          templateId: template.id,
          variants: variantStats(counter, count).map((stats, i) => ({
            name: names[i],
            ...stats,
            share: Math.round(shares[i] * 1000) / 1000,
          })),
        };
      },
    },

    click: {
      openapi: {
        summary: "A tracked link in a message: counts the click and leads on",
        description:
          "Answers 302 to the address the message's template linked. A link that is changed or was never sent is 404.",
        status: 302,
        errors: [404],
      },
      access: "public",
      params: { $$strict: "remove", token: { type: "string", min: 1, max: 140 } },
      async handler(
        this: EngagementThis,
        ctx: Ctx<{ token: string }, { $statusCode?: number; $location?: string }>,
      ) {
        const link = readLinkToken(settingsOf(this.broker).jwtSecret, ctx.params.token);
        const url = link && (await recordClick(outcomeStores(this), link.messageId, link.index));
        if (!url) throw notFound("Link");
        ctx.meta.$statusCode = 302;
        ctx.meta.$location = url;
        return null;
      },
    },

    previewTemplate: {
      openapi: {
        summary: "A template filled in, for a user's profile or a sample one",
        description:
          "Every channel the locale has words for, filled in as a journey would, for the user `userId` (404 if there is no such user) or, without it, a sample user. A variable it lacks, a misused filter or words too long for a channel is 422, naming each. " +
          TEMPLATE_VARIABLES,
        response: PREVIEW_SHAPE,
        errors: [404, 422],
      },
      access: "admin",
      params: previewParams,
      handler(
        this: EngagementThis,
        ctx: Ctx<{ id: string; locale?: string; userId?: string; variant?: number }>,
      ) {
        return previewTemplate(
          {
            templateOf: (id) => this.repos.templates.findById(id),
            contactOf: (userId) => call(ctx, Action.users.contactOf, { userId }),
            profileOf: (userId) => this.repos.profiles.findById(userId),
            shopUrl: settingsOf(this.broker).storefrontUrl,
          },
          ctx.params,
        );
      },
    },
  } satisfies Actions,
};
