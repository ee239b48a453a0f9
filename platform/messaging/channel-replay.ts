import type { ServiceBroker } from "moleculer";
import { streamName, type ChannelMessage } from "./channels";

/** The parts of the JetStream adapter a replay reads (see channels.ts for the others). */
type ReplayAdapter = {
  addPrefixTopic(channel: string): string;
  serializer: { deserialize(data: Buffer): unknown };
  manager?: {
    streams: { info(stream: string): Promise<{ state: { messages: number; last_seq: number } }> };
  };
  client?: {
    consumers: {
      get(stream: string): Promise<{
        fetch(opts: {
          max_messages: number;
          expires: number;
        }): Promise<AsyncIterable<{ seq: number; data: Uint8Array }>>;
      }>;
    };
  };
};

const adapterOf = (broker: ServiceBroker) =>
  (broker as unknown as { channelAdapter?: ReplayAdapter }).channelAdapter;

/** Whether the channels keep their history (JetStream) to be read again; one process does not. */
export function channelsKeepHistory(broker: ServiceBroker): boolean {
  return Boolean(adapterOf(broker)?.client);
}

const BATCH = 256;

/**
 * Reads a channel's stream from its first kept message to its last at the start of the call,
 * handing each message to `visit` in order, through an ordered consumer of its own: no
 * consumer group sees these messages again. Answers how many were read.
 */
export async function replayChannel(
  broker: ServiceBroker,
  channel: string,
  visit: (message: ChannelMessage<unknown>) => Promise<void>,
): Promise<number> {
  const adapter = adapterOf(broker);
  if (!adapter?.client || !adapter.manager) throw new Error("The channels keep no history here");
  const stream = streamName(adapter.addPrefixTopic(channel));
  const { state } = await adapter.manager.streams.info(stream);
  if (state.messages === 0) return 0;
  const consumer = await adapter.client.consumers.get(stream);
  let read = 0;
  for (let seq = 0; seq < state.last_seq;) {
    let fetched = 0;
    for await (const message of await consumer.fetch({ max_messages: BATCH, expires: 2000 })) {
      fetched++;
      seq = message.seq;
      await visit(adapter.serializer.deserialize(Buffer.from(message.data)) as ChannelMessage);
      read++;
      if (seq >= state.last_seq) break;
    }
    if (fetched === 0) break;
  }
  return read;
}
