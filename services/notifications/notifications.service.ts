import { MessageChannel, WEBHOOK_MESSAGE_EVENT } from "../../contracts/engagement";
import { call, provide } from "../../platform/actions/typed-call";
import type { Actions } from "../../platform/actions/action-properties";
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { consumer, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { channelMessage, type ChannelMessage } from "../../platform/messaging/channels";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { notFound } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import { AuditedAct } from "../../contracts/audit";
import { auditEvent } from "../../platform/audit/audit-act";
import { pageOf } from "../../platform/actions/openapi";
import { countMetric } from "../../platform/observability/metrics";
import { findPage, ownPage, pageParams } from "../../platform/data/pagination";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { notificationsSettings, type NotificationsSettings } from "./settings";
import type { Settings } from "../../contracts/settings";
import { emailOnce, smtpMailer, type Mailer } from "./email";
import { deliveryParams, type EmailDoc } from "./model";
import { putInInbox } from "./inbox";
import {
  NOTIFICATION_INDEXES,
  NOTIFICATION_SHAPE,
  toNotificationView,
  type NotificationDoc,
} from "./model";
import { render, type Message } from "./templates";
import {
  attemptDelivery,
  enqueueDeliveries,
  registerWebhook,
  removeWebhook,
  DELIVERY_BATCH,
} from "./webhooks";
import {
  DELIVERY_INDEXES,
  DELIVERY_SHAPE,
  NEW_WEBHOOK_SHAPE,
  WEBHOOK_SHAPE,
  toDeliveryView,
  toWebhookView,
  WEBHOOK_INDEXES,
  type DeliveryDoc,
  type WebhookDoc,
} from "./model";
import { idRule } from "../../platform/actions/ids";
import { ShopMetric } from "../../contracts/metrics";
import { Channel } from "../../contracts/channels";
import { Action } from "../../contracts/actions";

type NotificationsThis = DbService<{
  notifications: NotificationDoc;
  emails: EmailDoc;
  webhooks: WebhookDoc;
  webhook_deliveries: DeliveryDoc;
}> &
  RelayService & {
    bazaar: Settings & NotificationsSettings;
    mailer?: Mailer;
    deliveryLoop: BackgroundLoop;
    notify(
      key: string,
      userId: string,
      message: Message,
      email?: string,
      off?: MessageChannel[],
    ): Promise<void>;
    counted(channel: string, result: string): void;
  };

const CHANNELS = [MessageChannel.INBOX, MessageChannel.EMAIL];

/** The channels people hear about (architecture §6 and issue 4), in the inbox and by e-mail. */
const TOLD = [
  Channel.USERS_REGISTERED,
  Channel.ORDERS_CONFIRMED,
  Channel.ORDERS_CANCELLED,
  Channel.ORDERS_SHIPPED,
  Channel.ORDERS_DELIVERED,
  Channel.ORDERS_FAILED,
  Channel.PAYMENTS_FAILED,
];
/** What a webhook may subscribe to: every business channel. */
const CHANNEL_EVENTS = Object.values(Channel).filter((c) => c !== Channel.ANALYTICS_EVENTS);
const WEBHOOK_EVENTS = [...CHANNEL_EVENTS, WEBHOOK_MESSAGE_EVENT];

/**
 * One consumer group for every business channel. Each step is idempotent on its own, so a
 * redelivery after a failure (an SMTP outage, say) repeats nothing that already happened:
 * webhook deliveries are queued first, then the inbox item, then the e-mail.
 */
const handleEvent = consumer<Record<string, unknown>>("notifications", async function (message) {
  const self = this as NotificationsThis;
  const event = message as ChannelMessage;
  const { webhooks, webhook_deliveries } = self.repos;
  if (await enqueueDeliveries(webhooks, webhook_deliveries, event)) self.deliveryLoop.wake();
  if (!TOLD.includes(event.type as (typeof TOLD)[number])) return;
  const content = render(event);
  const userId = String(message.data.userId ?? "");
  if (!content || !userId) return;
  await self.notify(message.id, userId, content, message.data.email as string | undefined);
});

const channels = Object.fromEntries(CHANNEL_EVENTS.map((name) => [name, handleEvent]));

const NotificationsService: ServiceSchema<ServiceSettingSchema, NotificationsThis> = {
  name: "notifications",
  mixins: [
    DbMixin({
      notifications: NOTIFICATION_INDEXES,
      emails: [],
      webhooks: WEBHOOK_INDEXES,
      webhook_deliveries: DELIVERY_INDEXES,
    }),
    ConsumerMixin,
    OutboxRelayMixin("webhooks"),
    HealthMixin,
  ],

  actions: {
    list: {
      openapi: { summary: "Your inbox, newest first", response: pageOf(NOTIFICATION_SHAPE) },
      retryPolicy: { enabled: true },
      params: {
        $$strict: "remove",
        unread: { type: "boolean", convert: true, optional: true },
        ...pageParams,
      },
      handler(
        this: NotificationsThis,
        ctx: Ctx<{ unread?: boolean; page: number; pageSize: number }>,
      ) {
        return ownPage(this.repos.notifications, callerOf(ctx), ctx.params, toNotificationView, {
          where: ctx.params.unread ? { read: false } : {},
          sort: { createdAt: -1, id: -1 },
        });
      },
    },

    markRead: {
      openapi: { summary: "Mark a notification read", response: NOTIFICATION_SHAPE },
      params: { $$strict: true, id: { type: "string", min: 1, max: 200 } },
      async handler(this: NotificationsThis, ctx: Ctx<{ id: string }>) {
        const updated = await this.repos.notifications.findOneAndUpdate(
          { id: ctx.params.id, userId: callerOf(ctx).id },
          { $set: { read: true } },
        );
        if (!updated) throw notFound("Notification");
        return toNotificationView(updated);
      },
    },

    reachable: provide(Action.notifications.reachable, {
      visibility: "public",
      params: { $$strict: true, userId: idRule },
      async handler(this: NotificationsThis, ctx) {
        const email =
          this.mailer && (await call(ctx, Action.users.contactOf, { userId: ctx.params.userId }));
        // The webhook channel is the shop's own sender: there when a webhook takes messages.
        const webhook = await this.repos.webhooks.findOne({
          active: true,
          events: WEBHOOK_MESSAGE_EVENT,
        });
        return {
          channels: [
            MessageChannel.INBOX,
            ...(email ? [MessageChannel.EMAIL] : []),
            ...(webhook ? [MessageChannel.WEBHOOK] : []),
          ],
        };
      },
    }),

    deliver: provide(Action.notifications.deliver, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: deliveryParams,
      async handler(this: NotificationsThis, ctx) {
        const { userId, type, key, messages, unsubscribeUrl } = ctx.params;
        const delivered: MessageChannel[] = [];
        // Each channel its own words, each once for the key: a retry repeats nothing sent.
        for (const { channel, title = "", body } of messages) {
          if (channel === MessageChannel.WEBHOOK) {
            const told = channelMessage(
              WEBHOOK_MESSAGE_EVENT,
              { userId, type, key, body },
              `msg_${key}`,
            );
            const { webhooks, webhook_deliveries } = this.repos;
            if (await enqueueDeliveries(webhooks, webhook_deliveries, told))
              this.deliveryLoop.wake();
          } else {
            const others = CHANNELS.filter((c) => c !== channel);
            const message = { type, title, body, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) };
            await this.notify(key, userId, message, undefined, others);
          }
          delivered.push(channel);
        }
        return { delivered };
      },
    }),

    createWebhook: {
      openapi: {
        summary: "Send these events to a URL, signed (X-Bazaar-Signature)",
        description:
          "The URL must be http(s) on a public address. The secret is shown only in this answer.",
        status: 201,
        response: NEW_WEBHOOK_SHAPE,
      },
      access: "admin",
      params: {
        $$strict: true,
        url: { type: "url", max: 2000 },
        events: {
          type: "array",
          min: 1,
          unique: true,
          items: { type: "enum", values: WEBHOOK_EVENTS },
        },
        secret: { type: "string", min: 16, max: 200, optional: true },
      },
      async handler(
        this: NotificationsThis,
        ctx: Ctx<{ url: string; events: string[]; secret?: string }>,
      ) {
        const webhook = await registerWebhook(
          this.repos.webhooks,
          ctx.params,
          this.bazaar.webhookAllowPrivate,
          (id, change) =>
            auditEvent(ctx, AuditedAct.WEBHOOK_CREATED, { kind: "webhook", id }, change),
        );
        this.outboxRelay.wake();
        ctx.meta.$created = webhook.id;
        return { ...toWebhookView(webhook), secret: webhook.secret };
      },
    },

    listWebhooks: {
      openapi: { summary: "Active webhooks", response: pageOf(WEBHOOK_SHAPE) },
      access: "admin",
      params: { $$strict: "remove", ...pageParams },
      handler(this: NotificationsThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        return findPage(
          this.repos.webhooks,
          { active: true },
          { ...ctx.params, sort: { createdAt: -1 } },
          toWebhookView,
        );
      },
    },

    removeWebhook: {
      openapi: { summary: "Stop a webhook", status: 204 },
      access: "admin",
      params: { $$strict: true, id: idRule },
      async handler(this: NotificationsThis, ctx: Ctx<{ id: string }>) {
        await removeWebhook(this.repos.webhooks, ctx.params.id, (id, change) =>
          auditEvent(ctx, AuditedAct.WEBHOOK_REMOVED, { kind: "webhook", id }, change),
        );
        this.outboxRelay.wake();
        return null;
      },
    },

    deliveries: {
      openapi: {
        summary: "A webhook's deliveries, newest first",
        response: pageOf(DELIVERY_SHAPE),
      },
      access: "admin",
      params: {
        $$strict: "remove",
        id: idRule,
        status: {
          type: "enum",
          values: ["pending", "delivered", "failed", "dead"],
          optional: true,
        },
        ...pageParams,
      },
      async handler(
        this: NotificationsThis,
        ctx: Ctx<{ id: string; status?: string; page: number; pageSize: number }>,
      ) {
        if (!(await this.repos.webhooks.findById(ctx.params.id))) throw notFound("Webhook");
        const filter: Record<string, unknown> = { webhookId: ctx.params.id };
        if (ctx.params.status) filter.status = ctx.params.status;
        return findPage(
          this.repos.webhook_deliveries,
          filter,
          { ...ctx.params, sort: { createdAt: -1 } },
          toDeliveryView,
        );
      },
    },
  } satisfies Actions,

  channels,

  methods: {
    /** Inbox and e-mail, each once for this key, whatever how often it is asked. */
    async notify(
      this: NotificationsThis,
      key: string,
      userId: string,
      message: Message,
      email?: string,
      off: MessageChannel[] = [],
    ) {
      if (!off.includes(MessageChannel.INBOX))
        if (await putInInbox(this.repos.notifications, key, userId, message))
          this.counted("inbox", "sent");
      if (!this.mailer || off.includes(MessageChannel.EMAIL)) return;
      const to =
        email ??
        (
          await call(this.broker, Action.users.contactOf, {
            userId,
          })
        )?.email;
      if (!to) return;
      try {
        if (await emailOnce(this.repos.emails, this.mailer, key, to, message))
          this.counted("email", "sent");
      } catch (err) {
        this.counted("email", "failed");
        throw err;
      }
    },

    counted(this: NotificationsThis, channel: string, result: string) {
      countMetric(this.broker, ShopMetric.NOTIFICATION_DELIVERIES, { channel, result });
    },
  },

  created(this: NotificationsThis) {
    this.bazaar = {
      ...settingsOf(this.broker),
      ...ownSettings(this.broker, notificationsSettings),
    };
    if (this.bazaar.smtpUrl) this.mailer = smtpMailer(this.bazaar.smtpUrl);
    this.deliveryLoop = new BackgroundLoop(
      "webhook deliveries",
      500,
      async () => {
        const { webhooks, webhook_deliveries } = this.repos;
        const due = await webhook_deliveries.find(
          { status: "pending", nextAttemptAt: { $lte: new Date().toISOString() } },
          { sort: { nextAttemptAt: 1 }, limit: DELIVERY_BATCH },
        );
        const options = {
          timeoutMs: this.bazaar.webhookTimeoutMs,
          maxAttempts: this.bazaar.webhookMaxAttempts,
          retryBaseMs: this.bazaar.webhookRetryBaseMs,
          allowPrivate: this.bazaar.webhookAllowPrivate,
        };
        await Promise.all(
          due.map(async (delivery) => {
            const outcome = await attemptDelivery(webhooks, webhook_deliveries, delivery, options);
            if (outcome) this.counted("webhook", outcome);
          }),
        );
      },
      this.logger,
    );
  },

  started(this: NotificationsThis) {
    this.deliveryLoop.start();
  },

  async stopped(this: NotificationsThis) {
    await this.deliveryLoop.stop();
    this.mailer?.close();
  },
};

export default NotificationsService;
