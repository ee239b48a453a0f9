import type { ChannelEvent } from "../../contracts/channels";
import { randomBytes } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { channelMessage, type ChannelMessage } from "./channels";
import { countInvalidEvent } from "./event-schemas";
import type { Doc, Repository, Update } from "../data/repository";
import { CONSUMERS_AWAY } from "./in-process-channels";
import { setGauge, PlatformMetric } from "../observability/metrics";
import { currentTraceParent, type TraceParent } from "../observability/request-context";

/**
 * The outbox inside the document (architecture §5.5): a state change writes its events into the
 * same document in the same atomic update, under `outbox.<eventId>`, and counts them in
 * `outboxPending`. The relay publishes what is pending and marks it sent, so a crash between
 * the write and the publish loses nothing; a crash after the publish and before the mark
 * publishes again, and consumers drop the copy by id.
 *
 * Effects are the same idea for work on other services that must follow a state change
 * (release stock, refund): `effects.<name>` is "pending" until the step, itself idempotent,
 * has run, and `effectsPending` counts them.
 */
export interface OutboxEntry extends ChannelMessage<unknown> {
  sentAt?: string;
  /** The traced request that wrote the event: its publish and its consumers join that trace. */
  trace?: TraceParent;
}

export interface OutboxDoc extends Doc {
  outbox?: Record<string, OutboxEntry>;
  outboxPending?: number;
  effects?: Record<string, "pending" | "done">;
  effectsPending?: number;
}

/** Ids are field names in the document, so they are plain words. */
export function newEventId(): string {
  return `evt_${randomBytes(12).toString("hex")}`;
}

/** The part of an update that records events and effects along with a state change. */
export function withEvents(update: Update, events: ChannelEvent[], effects: string[] = []): Update {
  const $set: Record<string, unknown> = { ...update.$set };
  const $inc: Record<string, number> = { ...update.$inc };
  for (const [id, message] of Object.entries(withNewEvents(events).outbox ?? {}))
    $set[`outbox.${id}`] = message;
  for (const effect of effects) $set[`effects.${effect}`] = "pending";
  if (events.length) $inc.outboxPending = (update.$inc?.outboxPending ?? 0) + events.length;
  if (effects.length) $inc.effectsPending = (update.$inc?.effectsPending ?? 0) + effects.length;
  return { ...update, $set, ...(Object.keys($inc).length ? { $inc } : {}) };
}

/** The outbox fields of a new document that is born with events. */
export function withNewEvents(events: ChannelEvent[]): Pick<OutboxDoc, "outbox" | "outboxPending"> {
  const outbox: Record<string, OutboxEntry> = {};
  const trace = currentTraceParent();
  for (const event of events) {
    const message = channelMessage(event.type, event.data, newEventId());
    outbox[message.id] = trace ? { ...message, trace } : message;
  }
  return { outbox, outboxPending: events.length };
}

export function pendingEvents(doc: OutboxDoc): OutboxEntry[] {
  return Object.values(doc.outbox ?? {})
    .filter((e) => !e.sentAt)
    .sort((a, b) => a.ts.localeCompare(b.ts));
}

export function pendingEffects(doc: OutboxDoc): string[] {
  return Object.entries(doc.effects ?? {})
    .filter(([, state]) => state === "pending")
    .map(([name]) => name);
}

const BATCH = 100;

/**
 * How long the oldest event still waiting has waited, in seconds (0 when none waits), among up
 * to BATCH documents with pending events: the outbox's lag, as a gauge and an alert read it.
 */
export async function outboxLagSeconds<T extends OutboxDoc>(
  repo: Repository<T>,
  now = Date.now(),
): Promise<number> {
  let oldest = now;
  for (const doc of await repo.find({ outboxPending: { $gt: 0 } }, { limit: BATCH }))
    for (const event of pendingEvents(doc)) oldest = Math.min(oldest, Date.parse(event.ts));
  return Math.max(0, (now - oldest) / 1000);
}

/** When each node's outboxes last measured their lag: a relay pass runs after every order. */
const lagMeasuredAt = new Map<string, number>();
const LAG_EVERY_MS = 1000;

/**
 * Publishes every pending event of up to BATCH documents; returns how many it published. With
 * a `source`, then reports the outbox's lag under it, at most once a second: a relay is woken by
 * every write with events, and the lag is one more query that a scrape every 15 s does not need
 * after each of them.
 */
export async function relayOutbox<T extends OutboxDoc>(
  repo: Repository<T>,
  broker: ServiceBroker,
  source?: string,
): Promise<number> {
  const published = await publishPending(repo, broker);
  const now = Date.now();
  const key = `${broker.nodeID}:${source}`;
  if (source && now - (lagMeasuredAt.get(key) ?? 0) >= LAG_EVERY_MS) {
    lagMeasuredAt.set(key, now);
    setGauge(broker, PlatformMetric.OUTBOX_LAG, await outboxLagSeconds(repo, now), { source });
  }
  return published;
}

/**
 * Documents published at once. Each document's events keep their order (confirmed before
 * cancelled); different orders have none to keep, and one at a time a relay on PostgreSQL
 * fell behind a steady stream of orders (each event waits for its consumers' writes).
 */
const DOCUMENTS_AT_ONCE = 8;

async function publishPending<T extends OutboxDoc>(
  repo: Repository<T>,
  broker: ServiceBroker,
): Promise<number> {
  const docs = await repo.find({ outboxPending: { $gt: 0 } }, { limit: BATCH });
  let published = 0;
  let consumersAway = false;
  const publishDoc = async (doc: T) => {
    for (const event of pendingEvents(doc)) {
      if (consumersAway) return;
      const { sentAt: _sentAt, trace, ...message } = event;
      try {
        await publish(broker, message, trace);
      } catch (err) {
        // Its consumers are starting or stopping: the event waits for the next pass, quietly.
        if ((err as { type?: string }).type === CONSUMERS_AWAY) consumersAway = true;
        else throw err;
        return;
      }
      await repo.updateOne(
        { id: doc.id, [`outbox.${event.id}.sentAt`]: { $exists: false } },
        {
          $set: { [`outbox.${event.id}.sentAt`]: new Date().toISOString() },
          $inc: { outboxPending: -1 },
        },
      );
      published++;
    }
  };
  let next = 0;
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(DOCUMENTS_AT_ONCE, docs.length) }, async () => {
      while (next < docs.length && !consumersAway) await publishDoc(docs[next++]);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return published;
}

/**
 * Sends one event; when the request that wrote it was traced, under a `publish` span of that
 * trace, whose id the consumers' contexts take as their parent (@moleculer/channels carries it
 * in the message headers).
 */
async function publish(
  broker: ServiceBroker,
  message: ChannelMessage<unknown>,
  trace?: TraceParent,
) {
  countInvalidEvent(broker, message);
  if (!trace || !broker.isTracingEnabled()) return broker.sendToChannel(message.type, message);
  const span = broker.tracer.startSpan(`publish ${message.type}`, {
    traceID: trace.requestID,
    parentID: trace.parentID,
    sampled: trace.tracing,
    type: "custom",
    tags: { "channel.name": message.type, "message.id": message.id },
  });
  try {
    const ctx = { requestID: trace.requestID, id: span.id, tracing: true, level: trace.level + 1 };
    await broker.sendToChannel(message.type, message, { ctx: { ...ctx, meta: {} } });
  } catch (err) {
    span.setError(err as Error);
    throw err;
  } finally {
    span.finish();
  }
}

/** Marks an effect done, once: true when this call did it. */
export async function markEffectDone<T extends OutboxDoc>(
  repo: Repository<T>,
  id: string,
  effect: string,
): Promise<boolean> {
  const n = await repo.updateOne(
    { id, [`effects.${effect}`]: "pending" },
    { $set: { [`effects.${effect}`]: "done" }, $inc: { effectsPending: -1 } },
  );
  return n === 1;
}
