import { randomUUID } from "node:crypto";
import { Adapters } from "@moleculer/channels";
import { Errors } from "moleculer";

/**
 * A group that this process hosts is not listening: it has not subscribed yet (consumers
 * subscribe only once every service has started) or has already unsubscribed (shutdown). The
 * message is not sent; an outbox keeps it pending and tries again, so nothing is lost to timing.
 */
export class ConsumersAwayError extends Errors.MoleculerRetryableError {
  constructor(channel: string, groups: string[]) {
    super(`No member of ${groups.join(", ")} listens to '${channel}' yet`, 503, CONSUMERS_AWAY);
    this.name = "ConsumersAwayError";
  }
}
export const CONSUMERS_AWAY = "CONSUMERS_AWAY";

type Chan = {
  id: string;
  name: string;
  group: string;
  maxRetries?: number;
  deadLettering?: { enabled?: boolean; queueName?: string };
  unsubscribing?: boolean;
  handler(payload: unknown, raw: unknown): Promise<unknown>;
};

type Base = {
  broker: unknown;
  logger: { warn(...a: unknown[]): void; error(...a: unknown[]): void };
  connected: boolean;
  opts: { maxRetries?: number };
  initChannelActiveMessages(id: string): void;
  stopChannelActiveMessages(id: string): void;
  addChannelActiveMessages(id: string, ids: string[]): void;
  removeChannelActiveMessages(id: string, ids: string[]): void;
  getNumberOfChannelActiveMessages(id: string): number;
};
const BaseAdapter = Adapters.Base as unknown as new (opts?: object) => Base;

/**
 * Channels inside one process. @moleculer/channels' Fake adapter hands messages over as
 * fire-and-forget events behind a bounded queue: under load it drops them after the sender
 * was told they were sent. Here `publish` resolves only once every consumer group has handled
 * the message (retries, then the dead-letter channel), so a producer slows down instead of
 * losing messages, and an outbox marks an event sent only once it was consumed. A publish while a
 * group of this process is not listening (start-up, shutdown) is refused, never dropped.
 */
export class InProcessAdapter extends BaseAdapter {
  private readonly subscribers = new Map<string, Chan[]>();
  /** Every group a service of this process declares for each channel, listening or not. */
  private readonly declared = new Map<string, Set<string>>();
  private turn = 0;

  /** Called as each service is created, before any of them subscribes. */
  declare(channel: string, group: string): void {
    this.declared.set(channel, (this.declared.get(channel) ?? new Set()).add(group));
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }

  async subscribe(chan: Chan): Promise<void> {
    this.subscribers.set(chan.name, [...(this.subscribers.get(chan.name) ?? []), chan]);
    this.initChannelActiveMessages(chan.id);
  }

  async unsubscribe(chan: Chan): Promise<void> {
    // A node whose start failed stops channels that never subscribed: nothing to drain.
    const subscribed = (this.subscribers.get(chan.name) ?? []).some((c) => c.id === chan.id);
    if (chan.unsubscribing || !subscribed) return;
    chan.unsubscribing = true;
    this.subscribers.set(
      chan.name,
      (this.subscribers.get(chan.name) ?? []).filter((c) => c.id !== chan.id),
    );
    while (this.getNumberOfChannelActiveMessages(chan.id) > 0)
      await new Promise((r) => setTimeout(r, 20));
    this.stopChannelActiveMessages(chan.id);
  }

  /** One member of each consumer group handles the message, the groups side by side. */
  async publish(
    channelName: string,
    payload: unknown,
    opts?: { headers?: Record<string, string> },
  ): Promise<void> {
    const groups = new Map<string, Chan[]>();
    for (const chan of this.subscribers.get(channelName) ?? [])
      groups.set(chan.group, [...(groups.get(chan.group) ?? []), chan]);
    // Handed to every group that exists, or to none: a group away now would never see it.
    const away = [...(this.declared.get(channelName) ?? [])].filter((g) => !groups.has(g));
    if (away.length) throw new ConsumersAwayError(channelName, away);
    await Promise.all(
      [...groups.values()].map((members) =>
        this.deliver(members[this.turn++ % members.length], payload, opts?.headers),
      ),
    );
  }

  /** `headers` carry the sender's context (request id, trace parent), as JetStream's do. */
  private async deliver(
    chan: Chan,
    payload: unknown,
    headers?: Record<string, string>,
  ): Promise<void> {
    const id = randomUUID();
    const deliveries = Math.max(1, chan.maxRetries ?? this.opts.maxRetries ?? 3);
    this.addChannelActiveMessages(chan.id, [id]);
    try {
      for (let delivery = 1; ; delivery++) {
        try {
          await chan.handler(payload, { channel: chan.name, delivery, headers });
          return;
        } catch (err) {
          if (delivery < deliveries) continue;
          const deadLetters = chan.deadLettering?.enabled
            ? chan.deadLettering.queueName
            : undefined;
          this.logger.error(
            `${chan.group} gave up on a '${chan.name}' message after ${delivery} deliveries` +
              (deadLetters ? `; moved to '${deadLetters}'` : ""),
            (err as Error).message,
          );
          if (deadLetters && deadLetters !== chan.name) await this.publish(deadLetters, payload);
          return;
        }
      }
    } finally {
      this.removeChannelActiveMessages(chan.id, [id]);
    }
  }
}
