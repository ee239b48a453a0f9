import { ownValue } from "../../../platform/data/own-value";
import {
  Priority,
  SuppressReason,
  type Decision,
  type MessageChannel,
  type Preferences,
} from "../../../contracts/engagement";
import { quietUntil, type QuietHours } from "./quiet-hours";

/** At most `max` messages per `perMs`, counted across all journeys, or one channel or category. */
export interface FrequencyCap {
  max: number;
  perMs: number;
  channel?: MessageChannel;
  category?: string;
}

/** A message the user was sent (or is about to be, within one decision round). */
export interface SentMessage {
  at: string;
  channel: MessageChannel;
  category: string;
  priority: Priority;
  dedupeKey?: string;
}

export interface SendRequest {
  channel: MessageChannel;
  category: string;
  priority: Priority;
  /** One message per key and channel, ever: a journey step retried, a cart reminded twice. */
  dedupeKey?: string;
}

export interface Recipient {
  timeZone: string;
  preferences: Preferences;
  /** What was sent recently: at least as far back as the longest cap, and every dedupe key. */
  sent: SentMessage[];
}

export interface SendPolicy {
  caps: FrequencyCap[];
  quietHours?: QuietHours;
}

/**
 * Whether one message goes now, waits, or never goes, and why. In order: a dedupe key already
 * used; a critical message (account security) goes past everything else; the user's
 * preferences; the frequency caps (critical messages are not counted); quiet hours, which
 * defer and never drop.
 */
export function decide(
  request: SendRequest,
  recipient: Recipient,
  policy: SendPolicy,
  now: Date,
): Decision {
  // One message told on several channels shares its key: a key is used once per channel.
  const used = (s: SentMessage) =>
    s.dedupeKey === request.dedupeKey && s.channel === request.channel;
  if (request.dedupeKey && recipient.sent.some(used))
    return {
      verdict: "suppress",
      reason: SuppressReason.DUPLICATE,
      detail: `already sent: ${request.dedupeKey}`,
    };
  if (request.priority === Priority.CRITICAL) return { verdict: "send", reason: "critical" };
  const off = [
    ...(ownValue(recipient.preferences, request.category) ?? []),
    ...(ownValue(recipient.preferences, "*") ?? []),
  ];
  if (off.includes(request.channel))
    return {
      verdict: "suppress",
      reason: SuppressReason.PREFERENCE,
      detail: `${request.category} by ${request.channel} is turned off`,
    };
  const full = policy.caps.find(
    (cap) => countedAgainst(cap, request, recipient.sent, now) >= cap.max,
  );
  if (full)
    return { verdict: "suppress", reason: SuppressReason.FREQUENCY_CAP, detail: describeCap(full) };
  const until = policy.quietHours && quietUntil(now, recipient.timeZone, policy.quietHours);
  if (until) return { verdict: "defer", reason: "quiet_hours", until: until.toISOString() };
  return { verdict: "send", reason: "allowed" };
}

const RANK: Record<Priority, number> = { critical: 3, high: 2, normal: 1, low: 0 };

/**
 * Several messages for one user at once: the more important go first and take the room the
 * caps leave, so a reminder never crowds out an order problem. Answers in the requests' order.
 */
export function decideAll(
  requests: SendRequest[],
  recipient: Recipient,
  policy: SendPolicy,
  now: Date,
): Decision[] {
  const order = requests
    .map((request, i) => ({ request, i }))
    .sort((a, b) => RANK[b.request.priority] - RANK[a.request.priority] || a.i - b.i);
  const sent = [...recipient.sent];
  const decisions: Decision[] = [];
  for (const { request, i } of order) {
    const decision = decide(request, { ...recipient, sent }, policy, now);
    decisions[i] = decision;
    if (decision.verdict === "send") sent.push({ ...request, at: now.toISOString() });
  }
  return decisions;
}

function countedAgainst(
  cap: FrequencyCap,
  request: SendRequest,
  sent: SentMessage[],
  now: Date,
): number {
  if (cap.channel && cap.channel !== request.channel) return 0;
  if (cap.category && cap.category !== request.category) return 0;
  const since = now.getTime() - cap.perMs;
  return sent.filter(
    (s) =>
      s.priority !== Priority.CRITICAL &&
      Date.parse(s.at) > since &&
      (!cap.channel || s.channel === cap.channel) &&
      (!cap.category || s.category === cap.category),
  ).length;
}

function describeCap(cap: FrequencyCap): string {
  const hours = cap.perMs / 3_600_000;
  const scope = cap.channel ? ` by ${cap.channel}` : cap.category ? ` in ${cap.category}` : "";
  return `${cap.max} per ${hours} h${scope} reached`;
}
