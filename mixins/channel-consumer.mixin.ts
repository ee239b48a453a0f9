import type { Context, Service, ServiceSchema } from "moleculer";
import { DbMixin, type DbService } from "./db/db.mixin";
import { ErrorType } from "./errors";
import type { ChannelMessage } from "./channels";
import { MAX_DELIVERIES, DEAD_LETTER_CHANNEL } from "./channels";

interface ProcessedDoc {
  id: string;
  group: string;
  messageId: string;
  type: string;
  processedAt: string;
  [key: string]: unknown;
}

type ConsumerService = DbService<{ processed_messages: ProcessedDoc }>;
export type ChannelHandler<D> = (
  this: Service,
  message: ChannelMessage<D>,
  ctx: Context<ChannelMessage<D>>,
) => Promise<void>;

/** Back-off between in-process attempts, before the broker's redelivery takes over. */
const ATTEMPT_DELAYS_MS = [100, 500];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Gives a service the store of the messages it has handled, so `consumer()` can drop a
 * message that comes again (at-least-once delivery makes that normal, not rare).
 */
export const ConsumerMixin: Partial<ServiceSchema> = DbMixin({
  processed_messages: [{ fields: ["group"] }],
});

/**
 * A durable channel subscription in a consumer group. Each message is handled once per group:
 * seen ids are skipped; a failing handler is retried with back-off here, then redelivered by
 * the broker up to MAX_DELIVERIES times, then parked in the dead-letter channel.
 */
export function consumer<D>(group: string, handle: ChannelHandler<D>) {
  return {
    group,
    context: true,
    maxRetries: MAX_DELIVERIES,
    deadLettering: { enabled: true, queueName: DEAD_LETTER_CHANNEL },
    async handler(this: ConsumerService, ctx: Context<ChannelMessage<D>>) {
      const message = ctx.params;
      const processed = this.repos.processed_messages;
      const key = `${group}:${message.id}`;
      if (await processed.findById(key)) return;
      for (let attempt = 0; ; attempt++) {
        try {
          await handle.call(this, message, ctx);
          break;
        } catch (err) {
          if (attempt >= ATTEMPT_DELAYS_MS.length) throw err;
          this.logger.warn(
            `${group} failed on ${message.type} ${message.id} (attempt ${attempt + 1}):`,
            (err as Error).message,
          );
          await sleep(ATTEMPT_DELAYS_MS[attempt]);
        }
      }
      try {
        await processed.insert({
          id: key,
          group,
          messageId: message.id,
          type: message.type,
          processedAt: new Date().toISOString(),
        });
      } catch (err) {
        // A twin delivery finished first: both did the (idempotent) work, one record stays.
        if ((err as { type?: string }).type !== ErrorType.DUPLICATE_KEY) throw err;
      }
    },
  };
}
