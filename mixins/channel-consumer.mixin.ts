import type { ChannelMessageOf, ChannelName } from "../contracts/channels";
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { addStoreLoop, DbMixin, type DbService } from "./db.mixin";
import { settingsOf } from "../platform/runtime/settings-of";
import type { ChannelMessage } from "../platform/messaging/channels";
import { MAX_DELIVERIES, DEAD_LETTER_CHANNEL } from "../platform/messaging/channels";
import { BackgroundLoop } from "../platform/messaging/background-loop";
import { channelLag } from "../platform/messaging/channels";
import { countMetric, setGauge, PlatformMetric } from "../platform/observability/metrics";
import { runInContext } from "../platform/observability/request-context";
import { insertIfAbsent } from "../platform/data/insert-if-absent";
import { upcastMessage } from "../platform/messaging/event-schemas";
import { EVENT_UPCASTERS } from "./event-upcasters";

interface ProcessedDoc {
  id: string;
  group: string;
  messageId: string;
  type: string;
  processedAt: string;
}

/**
 * How long a handled message's record is kept: past the longest a channel keeps a message
 * (JetStream's retention, default 7 days), with a day to spare, no copy can arrive any more.
 */
export function processedRetentionMs(streamMaxAgeHours: number): number {
  return (streamMaxAgeHours + 24) * 3600_000;
}

/** Drops the records of messages that can no longer come again; returns how many went. */
export function sweepProcessed(
  processed: { deleteMany(filter: object): Promise<number> },
  retentionMs: number,
  now = Date.now(),
): Promise<number> {
  return processed.deleteMany({ processedAt: { $lt: new Date(now - retentionMs).toISOString() } });
}

const SWEEP_INTERVAL_MS = 10 * 60_000;

type ConsumerService = DbService<{ processed_messages: ProcessedDoc }>;
export type ChannelHandler<D> = (
  this: Service,
  message: ChannelMessage<D>,
  ctx: Context<ChannelMessage<D>>,
) => Promise<void>;

/** Which delivery of its message this is: JetStream's count, or the in-process adapter's. */
function deliveryOf(raw: unknown): number {
  const message = raw as { info?: { redeliveryCount?: number }; delivery?: number } | undefined;
  return message?.info?.redeliveryCount ?? message?.delivery ?? 1;
}

/** Back-off between in-process attempts, before the broker's redelivery takes over. */
const ATTEMPT_DELAYS_MS = [100, 500];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const LAG_INTERVAL_MS = 5000;

type LaggingService = Service & { lagLoop: BackgroundLoop; processedSweep: BackgroundLoop };

/**
 * Sets the lag gauge of each channel the service consumes, as JetStream counts it. A count
 * that cannot be read (NATS away, the consumer not yet made) keeps the last one.
 */
async function measureLag(service: LaggingService): Promise<void> {
  const channels = (service.schema as { channels?: Record<string, { group?: string }> }).channels;
  for (const [channel, { group = service.name }] of Object.entries(channels ?? {})) {
    try {
      const lag = await channelLag(service.broker, channel, group);
      setGauge(service.broker, PlatformMetric.CHANNEL_LAG, lag, { channel, group });
    } catch (err) {
      service.logger.debug(`No lag for ${group} on ${channel}:`, (err as Error).message);
    }
  }
}

/**
 * Gives a service the store of the messages it has handled, so `consumer()` can drop a
 * message that comes again (at-least-once delivery makes that normal, not rare), and reports
 * how far behind its consumer groups are.
 */
const consumerSchema: Partial<ServiceSchema<ServiceSettingSchema, LaggingService>> = {
  mixins: [
    DbMixin({
      processed_messages: [{ fields: ["group"] }, { fields: ["processedAt"], range: "string" }],
    }),
  ],
  created(this: LaggingService) {
    this.processedSweep = new BackgroundLoop(
      `${this.name} handled-message records`,
      SWEEP_INTERVAL_MS,
      async () => {
        const repos = (this as unknown as ConsumerService).repos;
        const retention = processedRetentionMs(settingsOf(this.broker).channelStreamMaxAgeHours);
        await sweepProcessed(repos.processed_messages, retention);
      },
      this.logger,
    );
    addStoreLoop(this, this.processedSweep);
    this.lagLoop = new BackgroundLoop(
      `${this.name} channel lag`,
      LAG_INTERVAL_MS,
      () => measureLag(this),
      this.logger,
    );
  },
  started(this: LaggingService) {
    if (!this.broker.isMetricsEnabled()) return;
    this.lagLoop.start();
    this.lagLoop.wake();
  },
  async stopped(this: LaggingService) {
    await this.lagLoop.stop();
  },
};
export const ConsumerMixin = consumerSchema as Partial<ServiceSchema>;

/**
 * The consumer of `channels` in `group`, keyed by channel for a service's `channels`: its
 * handler receives each message typed by its channel (`message.type` narrows `message.data`).
 */
export function consumes<C extends ChannelName>(
  channels: readonly C[],
  group: string,
  handle: (
    this: Service,
    message: ChannelMessageOf<C>,
    ctx: Context<ChannelMessageOf<C>>,
  ) => Promise<void>,
): Record<C, ReturnType<typeof consumer>> {
  // The channel adapter delivers each channel's own messages: their type is their channel's.
  const subscription = consumer<unknown>(group, handle as unknown as ChannelHandler<unknown>);
  return Object.fromEntries(channels.map((channel) => [channel, subscription])) as Record<
    C,
    ReturnType<typeof consumer>
  >;
}

/**
 * A durable channel subscription in a consumer group. Each message is handled once per group:
 * seen ids are skipped; a failing handler is retried with back-off here, then redelivered by
 * the broker up to MAX_DELIVERIES times, then parked in the dead-letter channel.
 */
export function consumer<D>(group: string, handle: ChannelHandler<D>) {
  /** Handles one delivery: skips a message already handled, retries, counts failures. */
  async function consume(
    this: ConsumerService,
    ctx: Context<ChannelMessage<D>>,
    raw?: unknown,
  ): Promise<void> {
    // Every version still in use is read as the current one; one this node cannot read fails
    // like a handler would, and waits in the dead letters for an upgrade and a replay.
    const message = upcastMessage(ctx.params, EVENT_UPCASTERS) as ChannelMessage<D>;
    const processed = this.repos.processed_messages;
    const key = `${group}:${message.id}`;
    if (await processed.findById(key)) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await handle.call(this, message, ctx);
        break;
      } catch (err) {
        if (attempt >= ATTEMPT_DELAYS_MS.length) {
          const labels = { channel: message.type ?? "unknown", group };
          countMetric(this.broker, PlatformMetric.CHANNEL_FAILURES, labels);
          if (deliveryOf(raw) >= MAX_DELIVERIES)
            countMetric(this.broker, PlatformMetric.CHANNEL_DEAD_LETTERS, labels);
          throw err;
        }
        this.logger.warn(
          `${group} failed on ${message.type} ${message.id} (attempt ${attempt + 1}):`,
          (err as Error).message,
        );
        await sleep(ATTEMPT_DELAYS_MS[attempt]);
      }
    }
    // A twin delivery may have finished first: both did the (idempotent) work, one record stays.
    await insertIfAbsent(processed, {
      id: key,
      group,
      messageId: message.id,
      type: message.type,
      processedAt: new Date().toISOString(),
    });
  }

  return {
    group,
    context: true,
    maxRetries: MAX_DELIVERIES,
    deadLettering: { enabled: true, queueName: DEAD_LETTER_CHANNEL },
    async handler(this: ConsumerService, ctx: Context<ChannelMessage<D>>, raw?: unknown) {
      // A message from a traced request is handled under a span of that trace; the store's
      // spans and log lines of the handling take it as theirs.
      if (!ctx.tracing || !this.broker.isTracingEnabled()) return consume.call(this, ctx, raw);
      const span = ctx.startSpan(`channel '${ctx.params.type}' ${group}`, {
        traceID: ctx.requestID,
        parentID: ctx.parentID,
        sampled: true,
        type: "custom",
        tags: {
          "channel.name": ctx.params.type,
          "channel.group": group,
          "message.id": ctx.params.id,
        },
      });
      try {
        return await runInContext(ctx, () => consume.call(this, ctx, raw));
      } catch (err) {
        span.setError(err as Error);
        throw err;
      } finally {
        ctx.finishSpan(span);
      }
    },
  };
}
