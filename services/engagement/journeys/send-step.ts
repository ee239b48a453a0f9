import type { SendAsk, JourneyStep, MessageChannel } from "../../../contracts/engagement";
import type { Delivery } from "../../../contracts/notifications";
import { ContentError } from "../content/content";
import { fillIn, variablesOf, type TemplateDoc } from "../content/templates";
import { variantFor } from "../content/variants";
import type { DecisionDoc } from "../model";
import type { Profile } from "../profiles/profile-fold";
import type { RunDoc, SendOutcome } from "./journey-runs";
import type { MessageDoc } from "./message-log";

export type SendStep = Extract<JourneyStep, { type: "send" }>;

/** What sending a journey's message needs, each a narrow door to a store, a service or a rule. */
export interface SendStepDeps {
  templateOf(id: string): Promise<TemplateDoc | null>;
  /** The channels that can reach the user now (notifications). */
  reachable(userId: string): Promise<MessageChannel[]>;
  contactOf(userId: string): Promise<{ name: string; email: string } | null>;
  profileOf(userId: string): Promise<Profile>;
  localeOf(userId: string): Promise<string | undefined>;
  /** The template's split between its variants now. */
  sharesOf(template: TemplateDoc): Promise<number[]>;
  unsubscribeUrl(userId: string, category: string): string | undefined;
  shopUrl: string;
  /** A tracked address for `url`, its index kept in `links`, under the message. */
  trackedLink(messageId: string, links: string[], url: string): string;
  /** The shop's send policy on these channels; `decided` hears each decision made now. */
  decide(ask: SendAsk, decided: (decision: DecisionDoc) => void): Promise<DecisionDoc[]>;
  countSuppressed(journeyId: string, reason: string): Promise<void>;
  /** Test-only crash point (FAULT_INJECTION). */
  fault(point: string): void;
  record(message: MessageDoc): Promise<void>;
  deliver(delivery: Delivery): Promise<void>;
}

type Filled = Awaited<ReturnType<typeof fillIn>>;

/**
 * A journey's message: to the channels the user has, filled in first (a template that cannot be
 * filled in sends nothing and counts against no cap), then decided, then delivered, each keyed
 * by run and step so that a repeat by another node is the same decision and the same message.
 */
export async function sendStep(
  deps: SendStepDeps,
  run: RunDoc,
  step: SendStep,
  index: number,
): Promise<SendOutcome> {
  const template = await deps.templateOf(step.template);
  if (!template) return { kind: "failed", reason: "the template is gone" };
  const reachable = await deps.reachable(run.userId);
  const channels = step.channels.filter((c) => reachable.includes(c));
  if (channels.length === 0) return { kind: "sent", channels: [] };
  const messageId = `${run.id}_${index}`;
  const message = await fill(deps, run, step, template, channels, messageId);
  if ("failed" in message) return { kind: "failed", reason: message.failed };
  const decisions = await decide(deps, run, step, channels, messageId);
  deps.fault("journey-after-decide");
  const deferred = decisions.find((d) => d.verdict === "defer");
  if (deferred) return { kind: "deferred", until: deferred.until! };
  const sending = decisions.filter((d) => d.verdict === "send").map((d) => d.channel);
  const messages = wordsOn(message.filled, sending);
  if (messages.length === 0) return { kind: "sent", channels: [] };
  await deps.record({
    id: messageId,
    userId: run.userId,
    journeyId: run.journeyId,
    templateId: template.id,
    step: index,
    variant: message.variant,
    channels: messages.map((m) => m.channel),
    links: message.links,
    sentAt: new Date().toISOString(),
  });
  await deps.deliver({
    userId: run.userId,
    type: template.id,
    key: messageId,
    messages,
    ...(message.unsubscribeUrl ? { unsubscribeUrl: message.unsubscribeUrl } : {}),
  });
  return { kind: "sent", channels: messages.map((m) => m.channel) };
}

/** The message in the user's words, or why it cannot be written (the user gone, bad content). */
async function fill(
  deps: SendStepDeps,
  run: RunDoc,
  step: SendStep,
  template: TemplateDoc,
  channels: MessageChannel[],
  messageId: string,
): Promise<
  { filled: Filled; variant: number; links: string[]; unsubscribeUrl?: string } | { failed: string }
> {
  const { userId } = run;
  const contact = await deps.contactOf(userId);
  if (!contact) return { failed: "the user is gone" };
  const unsubscribeUrl = deps.unsubscribeUrl(userId, step.category);
  const variant = variantFor(userId, template.id, await deps.sharesOf(template));
  const links: string[] = [];
  try {
    const variables = variablesOf({
      userId,
      contact: { name: contact.name, email: contact.email },
      profile: await deps.profileOf(userId),
      key: run.key ?? "",
      event: run.event ?? {},
      unsubscribeUrl: unsubscribeUrl ?? "",
      shopUrl: deps.shopUrl,
    });
    const trackLink = (url: string) => deps.trackedLink(messageId, links, url);
    const locale = await deps.localeOf(userId);
    const filled = await fillIn(template, channels, locale, variables, { variant, trackLink });
    return { filled, variant, links, unsubscribeUrl };
  } catch (err) {
    if (err instanceof ContentError) return { failed: err.message.slice(0, 300) };
    throw err;
  }
}

/**
 * The policy's verdict on each channel. With fallback, the first channel that may send is the
 * only one asked about past it. Suppressions made now count for the journey.
 */
async function decide(
  deps: SendStepDeps,
  run: RunDoc,
  step: SendStep,
  channels: MessageChannel[],
  messageId: string,
): Promise<DecisionDoc[]> {
  const suppressed: string[] = [];
  const ask = (asked: MessageChannel[]) =>
    deps.decide(
      {
        userId: run.userId,
        category: step.category,
        priority: step.priority,
        dedupeKey: messageId,
        channels: asked,
      },
      (decision) => {
        if (decision.verdict === "suppress") suppressed.push(decision.reason);
      },
    );
  const decisions = step.fallback ? [] : await ask(channels);
  if (step.fallback)
    for (const channel of channels) {
      const [decision] = await ask([channel]);
      decisions.push(decision);
      if (decision.verdict !== "suppress") break;
    }
  for (const reason of suppressed) await deps.countSuppressed(run.journeyId, reason);
  return decisions;
}

/** What goes out on each channel that may send and has words. */
function wordsOn(filled: Filled, sending: MessageChannel[]): Delivery["messages"] {
  return sending.flatMap((channel) => {
    const words = filled.messages[channel];
    if (!words) return [];
    const title = words.subject ?? words.title;
    return [{ channel, body: words.body, ...(title ? { title } : {}) }];
  });
}
