import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { ChannelName, ChannelPayloads } from "../../contracts/channels";
import type { Settings } from "../../contracts/settings";
import { assertEvent, countInvalidEvent, currentVersion } from "./event-schemas";

declare module "moleculer" {
  interface ServiceBroker {
    sendToChannel(channel: string, payload: unknown, opts?: Record<string, unknown>): Promise<void>;
  }
}

export const DEAD_LETTER_CHANNEL = "bazaar.dead_letters";

const channelsUp = new WeakMap<ServiceBroker, { ready: Promise<void>; up(): void }>();

/** Called as a node's channels middleware is created: its channels are not up yet. */
export function channelsComing(broker: ServiceBroker): () => void {
  let up!: () => void;
  const ready = new Promise<void>((resolve) => (up = resolve));
  channelsUp.set(broker, { ready, up });
  return up;
}

/**
 * Settles once this node's channel adapter is connected and its streams exist (at once on a
 * broker without durable channels). Loops that publish start after it, so a restart logs no
 * "Adapter not yet connected".
 */
export function channelsReady(broker: ServiceBroker): Promise<void> {
  return channelsUp.get(broker)?.ready ?? Promise.resolve();
}

/** What every channel message is: `id` lets consumers drop a second delivery. */
export interface ChannelMessage<D = Record<string, unknown>> {
  id: string;
  type: string;
  /** Its payload's schema version (contracts/events); absent on messages older than versions. */
  version?: number;
  ts: string;
  data: D;
}

/** A message at its channel's current version, its payload checked against that schema. */
export function channelMessage<D>(
  type: string,
  data: D,
  id: string = randomUUID(),
): ChannelMessage<D> {
  const version = currentVersion(type);
  assertEvent(type, version, data);
  return { id, type, version, ts: new Date().toISOString(), data };
}

/**
 * Tells a fact on its channel, the payload typed by the channel's name; `id` names the fact
 * when telling it again must be recognised as the same (a pass cut short).
 */
export function publish<C extends ChannelName>(
  broker: ServiceBroker,
  channel: C,
  data: ChannelPayloads[C],
  id?: string,
): Promise<void> {
  const message = channelMessage(channel, data, id);
  countInvalidEvent(broker, message);
  return broker.sendToChannel(channel, message);
}

export const SECOND_NS = 1_000_000_000;
export const MAX_DELIVERIES = 3;

/**
 * Each stream's limits, from the settings. JetStream reserves `max_bytes` of the server's
 * storage for every stream: at 1 GiB a stream, a shared server refused a fourth namespace.
 */
export function streamConfig(settings: Settings) {
  return {
    max_age: settings.channelStreamMaxAgeHours * 3600 * SECOND_NS,
    max_bytes: settings.channelStreamMaxMb * 1024 ** 2,
  };
}

/**
 * The adapter's own naming, so the streams made here are the ones it subscribes to: the channel
 * behind the namespace (`shop.orders.confirmed`), dots made underscores.
 */
export function streamName(subject: string): string {
  return subject.split(".").join("_");
}

/** The adapter's name for a consumer group's durable JetStream consumer: the same rule. */
const durableName = streamName;

type NatsAdapter = {
  createStream(name: string, subjects: string[], config: object): Promise<unknown>;
  addPrefixTopic(channel: string): string;
  manager?: {
    consumers: {
      info(
        stream: string,
        durable: string,
      ): Promise<{ num_pending: number; num_ack_pending: number }>;
    };
  };
};

/**
 * How far a consumer group is behind on a channel: messages JetStream holds for it that it has
 * not yet been given, plus those given and not yet acknowledged. In one process there is no
 * queue (a publish waits for its consumers, and a backlog is the outbox's), so it is 0.
 */
export async function channelLag(
  broker: ServiceBroker,
  channel: string,
  group: string,
): Promise<number> {
  const adapter = (broker as unknown as { channelAdapter?: NatsAdapter }).channelAdapter;
  if (!adapter?.manager) return 0;
  const stream = streamName(adapter.addPrefixTopic(channel));
  const info = await adapter.manager.consumers.info(stream, durableName(group));
  return info.num_pending + info.num_ack_pending;
}

/**
 * JetStream creates a stream only when a consumer subscribes, and a publish before that fails.
 * Create them all at start-up, with the same config the adapter would use.
 */
export async function createStreams(
  broker: ServiceBroker,
  channels: readonly string[],
): Promise<void> {
  const adapter = (broker as unknown as { channelAdapter?: NatsAdapter }).channelAdapter;
  if (!adapter || typeof adapter.createStream !== "function") return;
  for (const channel of [...channels, DEAD_LETTER_CHANNEL]) {
    const subject = adapter.addPrefixTopic(channel);
    await adapter.createStream(streamName(subject), [subject], {});
  }
}
