import type { ServiceBroker } from "moleculer";
import type { JetStreamManager, NatsConnection } from "nats";
import { DEAD_LETTER_CHANNEL, streamName } from "./channels";

/**
 * The dead-letter channel in JetStream, for operators: list what is parked there and put a
 * message back on the channel it failed on. A replay is safe: consumers drop a message id their
 * group has already handled, so only the group that failed does the work again.
 */
export interface DeadLetter {
  seq: number;
  channel: string;
  group: string;
  id: string;
  type: string;
  at: string;
}

interface Adapter {
  connection?: NatsConnection;
  manager?: JetStreamManager;
  addPrefixTopic(topic: string): string;
}

function jetStream(broker: ServiceBroker): Adapter & { manager: JetStreamManager } {
  const adapter = (broker as unknown as { channelAdapter?: Adapter }).channelAdapter;
  if (!adapter?.manager)
    throw new Error("Dead letters are kept only with NATS JetStream (TRANSPORTER=nats://…)");
  return adapter as Adapter & { manager: JetStreamManager };
}

/** The dead letters' stream, behind the node's namespace as the adapter names it. */
function deadLetterStream(adapter: Adapter): string {
  return streamName(adapter.addPrefixTopic(DEAD_LETTER_CHANNEL));
}

type StoredMsg = Awaited<ReturnType<JetStreamManager["streams"]["getMessage"]>>;

function toLetter(seq: number, msg: StoredMsg): DeadLetter {
  const body = JSON.parse(new TextDecoder().decode(msg.data)) as { id?: string; type?: string };
  return {
    seq,
    channel: msg.header?.get("x-original-channel") ?? "?",
    group: msg.header?.get("x-original-group") ?? "?",
    id: body.id ?? "?",
    type: body.type ?? "?",
    at: msg.time.toISOString(),
  };
}

/** The newest dead letters, oldest first, at most `limit`. */
export async function listDeadLetters(broker: ServiceBroker, limit = 20): Promise<DeadLetter[]> {
  const adapter = jetStream(broker);
  const { manager } = adapter;
  const stream = deadLetterStream(adapter);
  const { state } = await manager.streams.info(stream);
  const letters: DeadLetter[] = [];
  const from = Math.max(state.first_seq, state.last_seq - limit + 1);
  for (let seq = from; seq <= state.last_seq; seq++) {
    const msg = await manager.streams.getMessage(stream, { seq }).catch(() => undefined);
    if (msg) letters.push(toLetter(seq, msg)); // a missing one was replayed, hence deleted
  }
  return letters;
}

/** Publishes dead letter `seq` to its channel again and removes it from the dead letters. */
export async function replayDeadLetter(broker: ServiceBroker, seq: number): Promise<DeadLetter> {
  const adapter = jetStream(broker);
  const stream = deadLetterStream(adapter);
  const msg = await adapter.manager.streams.getMessage(stream, { seq }).catch(() => undefined);
  if (!msg) throw new Error(`No dead letter #${seq}`);
  const letter = toLetter(seq, msg);
  await adapter.connection!.jetstream().publish(adapter.addPrefixTopic(letter.channel), msg.data);
  await adapter.manager.streams.deleteMessage(stream, seq);
  return letter;
}
