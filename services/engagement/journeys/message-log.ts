import type { MessageChannel } from "../../../contracts/engagement";
import type { Repository } from "../../../platform/data/repository";
import type { IndexSpec } from "../../../platform/data/repository";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import { splitByResults, type VariantStats } from "../content/variants";

/** A journey's message as sent (`<run>_<step>`): its variant, its links, what came of it. */
export interface MessageDoc {
  id: string;
  userId: string;
  journeyId: string;
  templateId: string;
  /** The journey's step that sent it. */
  step: number;
  variant: number;
  channels: MessageChannel[];
  /** The addresses its tracked links lead to, by the index in each link. */
  links: string[];
  sentAt: string;
  clickedAt?: string;
  convertedAt?: string;
  orderId?: string;
}

/** Counts by variant (`template_<id>`, keyed a to d) or for a whole journey (`journey_<id>`). */
export interface CounterDoc {
  id: string;
  sent?: Record<string, number>;
  clicked?: Record<string, number>;
  converted?: Record<string, number>;
  /** A journey's: sends not let through, by the decision's reason. */
  suppressed?: Record<string, number>;
  /** A journey's: what the orders it is credited with came to, in minor units by currency. */
  revenue?: Record<string, number>;
}

export interface MessageStores {
  messages: Repository<MessageDoc>;
  counters: Repository<CounterDoc>;
  /** Told each outcome once it is counted (the metrics). */
  counted?: (message: MessageDoc, outcome: Outcome) => void;
}

export const MESSAGE_INDEXES: IndexSpec[] = [{ fields: ["userId", "clickedAt"], range: "string" }];

/** An order this soon after a click counts for the message clicked. */
export const ATTRIBUTION_MS = 24 * 3_600_000;
const VARIANT_KEYS = ["a", "b", "c", "d"];
export type Outcome = "sent" | "clicked" | "converted";

/**
 * Counted once for each message, after the write that makes the outcome its own: a crash
 * between the two leaves a count one short, never one over.
 */
async function countOutcome(stores: MessageStores, m: MessageDoc, what: Outcome) {
  const { counters } = stores;
  stores.counted?.(m, what);
  await counters.upsert(
    { id: `template_${m.templateId}` },
    { $inc: { [`${what}.${VARIANT_KEYS[m.variant]}`]: 1 } },
  );
  const key = `s${m.step}${VARIANT_KEYS[m.variant]}`;
  await counters.upsert(
    { id: `journey_${m.journeyId}` },
    { $inc: { [`${what}.all`]: 1, [`${what}.${key}`]: 1 } },
  );
}

export async function recordMessage(stores: MessageStores, message: MessageDoc): Promise<void> {
  if (await insertIfAbsent(stores.messages, message)) await countOutcome(stores, message, "sent");
}

/** The address a tracked link leads to, the first click of its message counted; or none. */
export async function recordClick(
  stores: MessageStores,
  messageId: string,
  index: number,
  now = new Date(),
): Promise<string | undefined> {
  const message = await stores.messages.findById(messageId);
  const url = message?.links[index];
  if (!message || !url) return undefined;
  if (
    !message.clickedAt &&
    (await stores.messages.updateOne(
      { id: messageId, clickedAt: { $exists: false } },
      { $set: { clickedAt: now.toISOString() } },
    ))
  )
    await countOutcome(stores, message, "clicked");
  return url;
}

/**
 * Last click wins: an order counts for the message its buyer clicked last, within a day, and a
 * message converts once.
 */
export async function attributeOrder(
  stores: MessageStores,
  order: { userId: string; orderId: string; total: number; currency: string },
  at: Date,
): Promise<MessageDoc | undefined> {
  const { userId, orderId } = order;
  const [clicked] = await stores.messages.find(
    {
      userId,
      clickedAt: {
        $gte: new Date(at.getTime() - ATTRIBUTION_MS).toISOString(),
        $lte: at.toISOString(),
      },
    },
    { sort: { clickedAt: -1 }, limit: 1 },
  );
  if (!clicked || clicked.convertedAt) return undefined;
  const converted = await stores.messages.updateOne(
    { id: clicked.id, convertedAt: { $exists: false } },
    { $set: { convertedAt: at.toISOString(), orderId } },
  );
  if (!converted) return undefined;
  await countOutcome(stores, clicked, "converted");
  if (Number.isInteger(order.total) && /^[A-Z]{3}$/.test(order.currency))
    await stores.counters.upsert(
      { id: `journey_${clicked.journeyId}` },
      { $inc: { [`revenue.${order.currency}`]: order.total } },
    );
  return clicked;
}

/** Each variant's counts, in order. */
export function variantStats(counter: CounterDoc | null, variants: number) {
  return VARIANT_KEYS.slice(0, variants).map((key) => ({
    sent: counter?.sent?.[key] ?? 0,
    clicked: counter?.clicked?.[key] ?? 0,
    converted: counter?.converted?.[key] ?? 0,
  }));
}

/**
 * The share of users each variant gets now: a click is a win, and an order after it a
 * second, so the variant that sells is promoted over the one that is merely clicked.
 */
export function variantShares(counter: CounterDoc | null, variants: number): number[] {
  if (variants === 1) return [1];
  const stats: VariantStats[] = variantStats(counter, variants).map((v) => ({
    sent: v.sent * 2,
    won: Math.min(v.sent * 2, v.clicked + v.converted),
  }));
  return splitByResults(stats);
}

/** A send suppressed (a cap, a preference, a duplicate), counted for its journey. */
export async function countSuppressed(
  counters: MessageStores["counters"],
  journeyId: string,
  reason: string,
): Promise<void> {
  await counters.upsert({ id: `journey_${journeyId}` }, { $inc: { [`suppressed.${reason}`]: 1 } });
}

/** A journey's messages: in all, by step and variant, what was held back, what they sold. */
export async function journeyOutcomes(counters: MessageStores["counters"], journeyId: string) {
  const counter = await counters.findById(`journey_${journeyId}`);
  const bySend = Object.keys(counter?.sent ?? {})
    .flatMap((key) => {
      const match = /^s(\d+)([a-d])$/.exec(key);
      if (!match) return [];
      const count = (what: Outcome) => counter?.[what]?.[key] ?? 0;
      return [
        {
          step: Number(match[1]),
          variant: match[2].toUpperCase(),
          sent: count("sent"),
          clicked: count("clicked"),
          converted: count("converted"),
        },
      ];
    })
    .sort((a, b) => a.step - b.step || a.variant.localeCompare(b.variant));
  return {
    sent: counter?.sent?.all ?? 0,
    clicked: counter?.clicked?.all ?? 0,
    converted: counter?.converted?.all ?? 0,
    bySend,
    suppressed: counter?.suppressed ?? {},
    revenue: counter?.revenue ?? {},
  };
}
