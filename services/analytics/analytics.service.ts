import type { Actions } from "../../platform/actions/action-properties";
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { consumes, ConsumerMixin, processedRetentionMs } from "../../mixins/channel-consumer.mixin";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { publish } from "../../platform/messaging/channels";
import { addStoreLoop, DbMixin, type DbService } from "../../mixins/db.mixin";
import { invalid } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import {
  arrayOf,
  dateTime,
  integer,
  mapOf,
  number,
  object,
  string,
} from "../../platform/actions/openapi";
import { countMetric } from "../../platform/observability/metrics";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { analyticsSettings } from "./settings";
import { FOLD_BATCH, foldPending, sweepParts, type FoldStores } from "./fold";
import { behaviourParts, insertNew, orderEventParts } from "./window-parts";
import { PART_INDEXES, WINDOW_USER_INDEXES, type WindowPart, type WindowUser } from "./model";
import { BEHAVIOUR_EVENT_RULE, MAX_BATCH, speakFor, validateBatch } from "./behaviour";
import {
  decodeKey,
  encodeKey,
  MAX_RANGE_WINDOWS,
  summarizeOrders,
  topCounts,
  WINDOW_MS,
  windowStarts,
} from "./windows";
import { type EventWindowDoc, type OrderWindowDoc } from "./model";
import { ShopMetric } from "../../contracts/metrics";
import { Channel } from "../../contracts/channels";

type AnalyticsThis = DbService<{
  order_windows: OrderWindowDoc;
  order_parts: WindowPart;
  order_window_users: WindowUser;
  event_windows: EventWindowDoc;
  event_parts: WindowPart;
}> & {
  range(params: RangeParams): { from: string; to: string };
  folds(): FoldStores[];
  foldLoop: BackgroundLoop;
  partsSweep: BackgroundLoop;
};
interface RangeParams {
  from?: string;
  to?: string;
}

const iso = { type: "string", optional: true, max: 40 } as const;
const range = { from: dateTime, to: dateTime };
const rangeNote =
  "`from` and `to` are ISO-8601 times, rounded down to the minute (default: the last hour).";

const rangeParams = { $$strict: "remove", from: iso, to: iso } as const;
const DEFAULT_RANGE_MS = 60 * WINDOW_MS;

const FOLD_INTERVAL_MS = 1000;
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * A message is recorded as parts (its own rows, which are also its dedupe marks) and the fold
 * adds them into the windows shortly after: a window document never grows with the messages
 * it has counted, and its update costs the same at the first order of a minute as at the last.
 */
const countOrders = consumes(
  [Channel.ORDERS_CONFIRMED, Channel.ORDERS_CANCELLED],
  "analytics",
  async function (message) {
    const self = this as AnalyticsThis;
    const { part, user } = orderEventParts(message);
    // The buyer's row goes in first, so a fold that sees the part also sees the buyer.
    if (user) await insertNew(self.repos.order_window_users, [user]);
    await insertNew(self.repos.order_parts, [part]);
    self.foldLoop.wake();
  },
);

const countBehaviour = consumes([Channel.ANALYTICS_EVENTS], "analytics", async function (message) {
  const self = this as AnalyticsThis;
  const lateness = ownSettings(self.broker, analyticsSettings).analyticsLatenessSeconds * 1000;
  const { parts, dropped } = behaviourParts(message.id, message.data.events, Date.now(), lateness);
  await insertNew(self.repos.event_parts, parts);
  self.foldLoop.wake();
  if (dropped) countMetric(self.broker, ShopMetric.EVENTS_DROPPED_LATE, {}, dropped);
});

const AnalyticsService: ServiceSchema<ServiceSettingSchema, AnalyticsThis> = {
  name: "analytics",
  mixins: [
    DbMixin({
      order_windows: [],
      order_parts: PART_INDEXES,
      order_window_users: WINDOW_USER_INDEXES,
      event_windows: [],
      event_parts: PART_INDEXES,
    }),
    ConsumerMixin,
    HealthMixin,
  ],

  created(this: AnalyticsThis) {
    this.foldLoop = new BackgroundLoop(
      "analytics window fold",
      FOLD_INTERVAL_MS,
      async () => {
        for (const stores of this.folds()) while ((await foldPending(stores)).read === FOLD_BATCH);
      },
      this.logger,
    );
    addStoreLoop(this, this.foldLoop);
    this.partsSweep = new BackgroundLoop(
      "analytics window parts",
      SWEEP_INTERVAL_MS,
      async () => {
        const horizon = processedRetentionMs(settingsOf(this.broker).channelStreamMaxAgeHours);
        for (const stores of this.folds()) await sweepParts(stores, horizon);
      },
      this.logger,
    );
    addStoreLoop(this, this.partsSweep);
  },

  actions: {
    /** POST /events: validated whole, answered 202 at once, counted by the consumers. */
    ingest: {
      openapi: {
        summary: "Record a batch of behaviour events (up to 500)",
        description:
          "`type` is a standard event or a custom name; `ts` defaults to arrival time. Events later than the allowed lateness are counted as dropped. Problems are listed per event (`index`). A session's events, and those of a key without the `forward` scope, are the sender's own: `userId` may be left out, and naming another user is 403. A key with `forward` (only an admin account makes one: a shop's backend relaying its visitors) may name any user. A visitor not signed in is named by `anonymousId` (16 to 48 letters, digits, `_` or `-`, made at random by the storefront and kept secret: whoever sends it takes that visitor's past); an event carrying both a user and an `anonymousId` (a session's own event with `anonymousId`, sent at sign-in) merges what that visitor did into the user's profile, once.",
        status: 202,
        body: { type: "array", min: 1, max: MAX_BATCH, items: BEHAVIOUR_EVENT_RULE },
        response: object({ accepted: integer }),
      },
      scope: "events",
      params: { body: { type: "any" } },
      async handler(this: AnalyticsThis, ctx: Ctx<{ body: unknown }>) {
        const caller = callerOf(ctx);
        const events = speakFor(caller, validateBatch(ctx.params.body));
        await publish(this.broker, Channel.ANALYTICS_EVENTS, { events });
        countMetric(this.broker, ShopMetric.EVENTS_INGESTED, {}, events.length);
        return { accepted: events.length };
      },
    },

    orders: {
      openapi: {
        summary: "Orders, revenue, unique buyers and average order value per minute",
        description: rangeNote,
        response: object({
          ...range,
          windows: arrayOf(
            object(
              {
                windowStart: dateTime,
                orders: integer,
                revenue: integer,
                uniqueUsers: integer,
                avgOrderValue: number,
              },
              [],
              "OrderWindow",
            ),
          ),
        }),
      },
      access: "admin",
      retryPolicy: { enabled: true },
      params: rangeParams,
      async handler(this: AnalyticsThis, ctx: Ctx<RangeParams>) {
        const { from, to } = this.range(ctx.params);
        const docs = await this.repos.order_windows.find({ id: { $gte: from, $lt: to } });
        const byStart = new Map(docs.map((d) => [d.id, d]));
        return {
          from,
          to,
          windows: windowStarts(from, to).map((start) =>
            summarizeOrders(start, byStart.get(start)),
          ),
        };
      },
    },

    events: {
      openapi: {
        summary: "Behaviour event counts per minute, all types or one",
        description: `${rangeNote} With \`type\`, each window has that type's \`count\`; without, \`counts\` by type. \`droppedLate\` counts the events that arrived in the range too late for their own window.`,
        response: object({
          ...range,
          windows: arrayOf(
            object({ windowStart: dateTime, count: integer, counts: mapOf(integer) }, [
              "count",
              "counts",
            ]),
          ),
          droppedLate: integer,
        }),
      },
      access: "admin",
      retryPolicy: { enabled: true },
      params: {
        ...rangeParams,
        type: { type: "string", max: 64, pattern: /^[a-z][a-z0-9_.]{0,63}$/, optional: true },
      },
      async handler(this: AnalyticsThis, ctx: Ctx<RangeParams & { type?: string }>) {
        const { from, to } = this.range(ctx.params);
        const docs = await this.repos.event_windows.find({ id: { $gte: from, $lt: to } });
        const byStart = new Map(docs.map((d) => [d.id, d]));
        const windows = windowStarts(from, to).map((start) => {
          const counts = byStart.get(start)?.counts ?? {};
          if (ctx.params.type)
            return { windowStart: start, count: counts[encodeKey(ctx.params.type)] ?? 0 };
          return {
            windowStart: start,
            counts: Object.fromEntries(Object.entries(counts).map(([k, n]) => [decodeKey(k), n])),
          };
        });
        const droppedLate = docs.reduce((n, d) => n + (d.dropped ?? 0), 0);
        return { from, to, windows, droppedLate };
      },
    },

    topProducts: {
      openapi: {
        summary: "Most viewed and most sold products",
        description: rangeNote,
        response: object({
          ...range,
          mostViewed: arrayOf(object({ productId: string, views: integer })),
          mostSold: arrayOf(object({ productId: string, quantity: integer })),
        }),
      },
      access: "admin",
      retryPolicy: { enabled: true },
      params: {
        ...rangeParams,
        limit: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 10 },
      },
      async handler(this: AnalyticsThis, ctx: Ctx<RangeParams & { limit: number }>) {
        const { from, to } = this.range({ from: ctx.params.from, to: ctx.params.to });
        const filter = { id: { $gte: from, $lt: to } };
        const [events, orders] = await Promise.all([
          this.repos.event_windows.find(filter),
          this.repos.order_windows.find(filter),
        ]);
        const limit = ctx.params.limit;
        return {
          from,
          to,
          mostViewed: topCounts(
            events.map((d) => d.views),
            limit,
          ).map(({ key, count }) => ({
            productId: key,
            views: count,
          })),
          mostSold: topCounts(
            orders.map((d) => d.sold),
            limit,
          ).map(({ key, count }) => ({
            productId: key,
            quantity: count,
          })),
        };
      },
    },
  } satisfies Actions,

  channels: { ...countOrders, ...countBehaviour },

  methods: {
    folds(this: AnalyticsThis): FoldStores[] {
      const r = this.repos;
      return [
        { parts: r.order_parts, windows: r.order_windows, users: r.order_window_users },
        { parts: r.event_parts, windows: r.event_windows },
      ];
    },

    /** A bounded range of whole minutes: default the last hour, at most a day, from before to. */
    range(this: AnalyticsThis, params: RangeParams) {
      const parse = (field: "from" | "to", value: string | undefined, fallback: number) => {
        if (value === undefined) return fallback;
        const ms = Date.parse(value);
        if (Number.isNaN(ms))
          throw invalid([
            { field, message: "An ISO-8601 time, such as 2026-11-21T10:00:00Z", type: "date" },
          ]);
        return ms;
      };
      const endOfThisMinute = Math.ceil((Date.now() + 1) / WINDOW_MS) * WINDOW_MS;
      const to = Math.ceil(parse("to", params.to, endOfThisMinute) / WINDOW_MS) * WINDOW_MS;
      const from =
        Math.floor(parse("from", params.from, to - DEFAULT_RANGE_MS) / WINDOW_MS) * WINDOW_MS;
      if (from >= to)
        throw invalid([{ field: "from", message: "Must be before to", type: "range" }]);
      if ((to - from) / WINDOW_MS > MAX_RANGE_WINDOWS)
        throw invalid([{ field: "to", message: "At most 24 hours at a time", type: "range" }]);
      return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    },
  },
};

export default AnalyticsService;
