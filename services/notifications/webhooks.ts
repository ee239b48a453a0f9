import { randomUUID } from "node:crypto";
import type { ChannelEvent } from "../../contracts/channels";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import type { Repository } from "../../platform/data/repository";
import { invalid, notFound } from "../../platform/actions/errors";
import type { ChannelMessage } from "../../platform/messaging/channels";
import { newWebhookSecret, retryDelayMs, signedHeaders, verdictOf } from "./webhook-signing";
import { postToTarget } from "./webhook-post";
import { isProblem, vetTarget } from "./webhook-target";
import { WebhookDoc, Attempt, DeliveryDoc } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

const PROBLEMS = {
  url: "Not a URL a request can be sent to",
  scheme: "Only http and https targets",
  credentials: "No credentials in the URL; verify the signature instead",
  private: "Targets on loopback or private addresses are refused",
  unresolvable: "The target's host name does not resolve",
} as const;

/** Registers a target; the secret is made here when none is given, and shown only now. */
/** A webhook change's audit record, made by the caller that knows who acts. */
export type WebhookAudit = (
  id: string,
  change: { before?: object; after?: object },
) => ChannelEvent;

export async function registerWebhook(
  webhooks: Repository<WebhookDoc>,
  input: { url: string; events: string[]; secret?: string },
  allowPrivate: boolean,
  audit: WebhookAudit,
): Promise<WebhookDoc> {
  const vetted = await vetTarget(input.url, allowPrivate);
  if (isProblem(vetted)) throw invalid([{ field: "url", message: PROBLEMS[vetted], type: vetted }]);
  const id = randomUUID();
  const fields = { url: input.url, events: [...new Set(input.events)], active: true };
  return webhooks.insert({
    id,
    ...fields,
    secret: input.secret ?? newWebhookSecret(),
    createdAt: new Date().toISOString(),
    ...withNewEvents([audit(id, { after: fields })]),
  });
}

export async function removeWebhook(
  webhooks: Repository<WebhookDoc>,
  id: string,
  audit: WebhookAudit,
): Promise<void> {
  const told = audit(id, { before: { active: true }, after: { active: false } });
  if (
    !(await webhooks.updateOne(
      { id, active: true },
      withEvents({ $set: { active: false } }, [told]),
    ))
  )
    throw notFound("Webhook");
}

/** One delivery per event and webhook, whatever how often the event arrives. */
export async function enqueueDeliveries(
  webhooks: Repository<WebhookDoc>,
  deliveries: Repository<DeliveryDoc>,
  message: ChannelMessage,
): Promise<number> {
  const targets = await webhooks.find({ active: true, events: message.type });
  const now = new Date().toISOString();
  let queued = 0;
  for (const webhook of targets) {
    const inserted = await insertIfAbsent(deliveries, {
      id: `${message.id}_${webhook.id}`,
      webhookId: webhook.id,
      eventId: message.id,
      type: message.type,
      message,
      status: "pending",
      attempts: [],
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    if (inserted) queued++;
  }
  return queued;
}

export interface DeliveryOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  allowPrivate: boolean;
}

export type Outcome = "delivered" | "retried" | "failed" | "dead_lettered";

/** Deliveries one pass posts at once: what a node killed mid-pass may post again. */
export const DELIVERY_BATCH = 20;

/**
 * One attempt at one delivery it first claims (so two notification nodes never post the same
 * delivery at once). Returns what became of it, or null when another node had it.
 */
export async function attemptDelivery(
  webhooks: Repository<WebhookDoc>,
  deliveries: Repository<DeliveryDoc>,
  delivery: DeliveryDoc,
  options: DeliveryOptions,
): Promise<Outcome | null> {
  const claimUntil = new Date(Date.now() + options.timeoutMs + 5000).toISOString();
  const claimed = await deliveries.updateOne(
    { id: delivery.id, status: "pending", nextAttemptAt: delivery.nextAttemptAt },
    { $set: { nextAttemptAt: claimUntil } },
  );
  if (!claimed) return null;
  const webhook = await webhooks.findById(delivery.webhookId);
  const now = new Date().toISOString();
  let attempt: Attempt;
  if (!webhook || !webhook.active) {
    attempt = { at: now, error: "webhook removed", durationMs: 0 };
  } else {
    // Vetted at every attempt (a name may have come to resolve to a private address), and the
    // post connects to the address vetted now.
    const target = await vetTarget(webhook.url, options.allowPrivate);
    if (isProblem(target)) {
      attempt = { at: now, error: "target refused", durationMs: 0 };
    } else {
      const body = JSON.stringify(delivery.message);
      const headers = signedHeaders(webhook.secret, delivery.type, body);
      attempt = { at: now, ...(await postToTarget(target, headers, body, options.timeoutMs)) };
    }
  }
  const verdict =
    webhook?.active && !attempt.error?.startsWith("target") ? verdictOf(attempt.status) : "failed";
  const attempts = delivery.attempts.length + 1;
  let outcome: Outcome;
  const $set: Record<string, unknown> = { updatedAt: new Date().toISOString() };
  if (verdict === "delivered") {
    outcome = "delivered";
    $set.status = "delivered";
  } else if (verdict === "retry" && attempts < options.maxAttempts) {
    outcome = "retried";
    $set.nextAttemptAt = new Date(
      Date.now() + retryDelayMs(attempts, options.retryBaseMs),
    ).toISOString();
  } else if (verdict === "retry") {
    outcome = "dead_lettered";
    $set.status = "dead";
  } else {
    outcome = "failed";
    $set.status = "failed";
  }
  await deliveries.updateOne({ id: delivery.id }, { $set, $push: { attempts: attempt } });
  return outcome;
}
