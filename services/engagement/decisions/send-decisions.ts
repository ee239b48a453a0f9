import type { MessageChannel, SendAsk } from "../../../contracts/engagement";
import type { Repository } from "../../../platform/data/repository";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import { decideAll, type SendPolicy, type SendRequest } from "./decisions";
import type { DecisionDoc, PreferencesDoc, SendDoc } from "../model";
import { zoneOrDefault } from "./quiet-hours";

export interface DecisionStores {
  decisions: Repository<DecisionDoc>;
  sends: Repository<SendDoc>;
  preferences: Repository<PreferencesDoc>;
}

/** How far back caps look: the longest cap's window. */
const HISTORY_MS = 7 * 24 * 3_600_000;
const HISTORY_MAX = 500;

/**
 * Decides each channel of one message and records why. A message asked about again (a retried
 * delivery) gets its first decision back, so a retry is never a duplicate of itself; a deferral
 * whose time has come is decided afresh.
 */
export async function decideSends(
  stores: DecisionStores,
  ask: SendAsk,
  policy: SendPolicy,
  zoneFallback: string,
  now = new Date(),
  /** Told each decision made now (not one given back again). */
  decided: (decision: DecisionDoc) => void = () => {},
): Promise<DecisionDoc[]> {
  const idOf = (channel: MessageChannel) => `${ask.dedupeKey}:${channel}`;
  const held = new Map(
    (await stores.decisions.find({ id: { $in: ask.channels.map(idOf) } })).map((d) => [d.id, d]),
  );
  const settled = (d: DecisionDoc | undefined) =>
    d !== undefined && !(d.verdict === "defer" && d.until! <= now.toISOString());
  const open = ask.channels.filter((channel) => !settled(held.get(idOf(channel))));
  if (open.length > 0) {
    const preferences = await stores.preferences.findById(ask.userId);
    const sent = await stores.sends.find(
      { userId: ask.userId, at: { $gt: new Date(now.getTime() - HISTORY_MS).toISOString() } },
      { sort: { at: -1 }, limit: HISTORY_MAX },
    );
    const requests: SendRequest[] = open.map((channel) => ({
      channel,
      category: ask.category,
      priority: ask.priority,
      dedupeKey: ask.dedupeKey,
    }));
    const recipient = {
      timeZone: zoneOrDefault(preferences?.timeZone, zoneFallback),
      preferences: preferences?.off ?? {},
      sent,
    };
    const decisions = decideAll(requests, recipient, policy, now);
    for (const [i, channel] of open.entries()) {
      const decision = decisions[i];
      const doc: DecisionDoc = {
        id: idOf(channel),
        userId: ask.userId,
        category: ask.category,
        channel,
        priority: ask.priority,
        dedupeKey: ask.dedupeKey,
        verdict: decision.verdict,
        reason: decision.reason,
        ...("detail" in decision ? { detail: decision.detail } : {}),
        ...("until" in decision ? { until: decision.until } : {}),
        at: now.toISOString(),
      };
      decided(doc);
      if (!(await insertIfAbsent(stores.decisions, doc))) {
        const { id, ...fields } = doc;
        const gone = (["detail", "until"] as const).filter((field) => doc[field] === undefined);
        await stores.decisions.updateOne(
          { id, verdict: "defer" },
          gone.length
            ? { $set: fields, $unset: Object.fromEntries(gone.map((f) => [f, true as const])) }
            : { $set: fields },
        );
      }
      if (decision.verdict === "send")
        await insertIfAbsent(stores.sends, {
          id: doc.id,
          userId: ask.userId,
          channel,
          category: ask.category,
          priority: ask.priority,
          dedupeKey: ask.dedupeKey,
          at: doc.at,
        });
      held.set(doc.id, (await stores.decisions.findById(doc.id)) ?? doc);
    }
  }
  return ask.channels.map((channel) => held.get(idOf(channel))!);
}
