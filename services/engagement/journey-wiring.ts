import { Action } from "../../contracts/actions";
import type { SegmentMoved } from "../../contracts/channels";
import { JourneyStatus, type JourneyStep, type MessageChannel } from "../../contracts/engagement";
import { call } from "../../platform/actions/typed-call";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { faultHook } from "../../platform/runtime/fault-injection";
import { engagementSettings } from "./settings";
import type { EngagementThis } from "./engagement-this";
import { ContentError } from "./content";
import { journeyEventsOf } from "./journey-rules";
import {
  enterRun,
  resumeWaiting,
  type JourneyVersion,
  type RunDeps,
  type RunDoc,
  type SendOutcome,
} from "./journey-runs";
import { MAX_JOURNEYS, versionId, type JourneyDoc } from "./journeys";
import { emptyProfile } from "./profile-fold";
import { decideSends } from "./send-decisions";
import { countDecision, policyOf, unsubscribeUrlFor } from "./send-policy";
import { fillIn, variablesOf, variantCount, type TemplateDoc } from "./templates";
import { linkToken } from "./tracked-links";
import { countSuppressed, recordMessage, variantShares, type MessageStores } from "./message-log";
import { countMetric, setGauge } from "../../platform/observability/metrics";
import { ShopMetric } from "../../contracts/metrics";
import { variantFor } from "./variants";

const JOURNEYS_FRESH_MS = 5000;

/** The message log's stores, each outcome counted in the metrics as it is recorded. */
export function outcomeStores(self: EngagementThis): MessageStores {
  return {
    ...self.repos,
    counted: (message, outcome) =>
      countMetric(self.broker, ShopMetric.JOURNEY_MESSAGES, {
        journey: message.journeyId,
        outcome,
      }),
  };
}

/** Told to every engagement node when a journey or segment changes, so none keeps a stale list. */
export const DEFINITIONS_CHANGED = "engagement.definitions.changed";

/**
 * Every node reads its lists again at once: a trigger on another node must see a journey just
 * turned on. A lost event leaves a node's lists stale for their few seconds at most.
 */
export async function definitionsChanged(self: EngagementThis): Promise<void> {
  await self.broker.broadcast(DEFINITIONS_CHANGED, {}, "engagement");
}

export function forgetDefinitions(self: EngagementThis): void {
  self.journeyList.at = 0;
  self.segmentList.at = 0;
}

/** The journeys users may enter now. */
async function activeJourneys(self: EngagementThis): Promise<JourneyDoc[]> {
  if (Date.now() - self.journeyList.at > JOURNEYS_FRESH_MS)
    self.journeyList = {
      at: Date.now(),
      list: (
        await self.repos.journeys.find(
          { id: { $gt: "" } },
          { sort: { id: 1 }, limit: MAX_JOURNEYS },
        )
      ).filter((j) => j.status === JourneyStatus.ACTIVE),
    };
  return self.journeyList.list;
}

const asVersion = (journey: JourneyDoc): JourneyVersion => ({
  journeyId: journey.id,
  version: journey.version,
  name: journey.name,
  trigger: journey.trigger,
  reentry: journey.reentry,
  steps: journey.steps,
});

export function journeyDeps(self: EngagementThis): RunDeps {
  return {
    runs: self.repos.journey_runs,
    places: self.repos.journey_places,
    now: () => new Date(),
    leaseMs: ownSettings(self.broker, engagementSettings).journeyLeaseMs,
    late: (ms) => setGauge(self.broker, ShopMetric.JOURNEY_TIMERS_LATE, ms / 1000),
    profileOf: (userId) => self.repos.profiles.findById(userId),
    async versionOf(journeyId, version) {
      const id = versionId(journeyId, version);
      const held = self.versions.get(id) ?? (await self.repos.journey_versions.findById(id));
      if (held) self.versions.set(id, held);
      return held;
    },
    send: (run, step, index) => sendStep(self, run, step, index),
  };
}

/** An event moves the runs waiting for it, then starts the journeys it triggers. */
export async function hearJourneyEvents(
  self: EngagementThis,
  message: { id: string; type: string; data: unknown },
): Promise<void> {
  const { type: channel, data } = message;
  // A batch of behaviour repeats itself (a user's views): each event is heard once.
  const events = [
    ...new Map(
      journeyEventsOf(channel, data).map((e) => [`${e.userId}\n${e.name}\n${e.key ?? ""}`, e]),
    ).values(),
  ];
  if (events.length === 0) return;
  const deps = journeyDeps(self);
  const journeys = await activeJourneys(self);
  // The runs any of these events may move, in one read for the whole message.
  const waiting = await self.repos.journey_runs.find({
    userId: { $in: [...new Set(events.map((e) => e.userId))] },
    waitingFor: { $in: [...new Set(events.map((e) => e.name))] },
  });
  let entered = false;
  for (const event of events) {
    if (waiting.length) await resumeWaiting(deps, event, waiting);
    for (const journey of journeys)
      if ("event" in journey.trigger && journey.trigger.event === event.name)
        entered =
          (await enterRun(deps, asVersion(journey), { ...event, entry: message.id })) || entered;
  }
  if (entered) self.journeyTimers.wake();
}

/**
 * A user who entered a segment enters the journeys it starts, once a membership. Heard from the
 * members' outbox, written with the membership: an entry is never lost to a failure after the
 * membership was written, which a redelivered message would not repeat.
 */
export async function enterSegmentJourneys(
  self: EngagementThis,
  { segmentId, userId, at }: SegmentMoved,
): Promise<void> {
  const deps = journeyDeps(self);
  let entered = false;
  for (const journey of await activeJourneys(self)) {
    if (!("segment" in journey.trigger) || journey.trigger.segment !== segmentId) continue;
    const entry = `${segmentId}@${at}`;
    entered = (await enterRun(deps, asVersion(journey), { userId, entry })) || entered;
  }
  if (entered) self.journeyTimers.wake();
}

type SendStep = Extract<JourneyStep, { type: "send" }>;

/** Links a message may track: the index in a link is two digits. */
const MAX_LINKS = 20;

/** A `track`ed address as the user gets it: through the click counter, under the message. */
function trackedLink(self: EngagementThis, messageId: string, links: string[], url: string) {
  let index = links.indexOf(url);
  if (index < 0) {
    if (links.length >= MAX_LINKS) throw new Error(`a message tracks at most ${MAX_LINKS} links`);
    index = links.push(url) - 1;
  }
  const { jwtSecret, publicUrl } = settingsOf(self.broker);
  return `${publicUrl}/api/v1/click?token=${linkToken(jwtSecret, messageId, index)}`;
}

/** The template's split between its variants now: from its results, a minute old at most. */
async function sharesOf(self: EngagementThis, template: TemplateDoc): Promise<number[]> {
  const count = variantCount(template);
  if (count === 1) return [1];
  const held = self.shares.get(template.id);
  if (held?.length === count) return held;
  const shares = variantShares(
    await self.repos.counters.findById(`template_${template.id}`),
    count,
  );
  self.shares.set(template.id, shares);
  return shares;
}

/**
 * A journey's message: to the channels the user has, filled in first (a template that cannot be
 * filled in sends nothing and counts against no cap), then decided, then delivered, each keyed
 * by run and step so that a repeat by another node is the same decision and the same message.
 */
async function sendStep(
  self: EngagementThis,
  run: RunDoc,
  step: SendStep,
  index: number,
): Promise<SendOutcome> {
  const template = await self.repos.templates.findById(step.template);
  if (!template) return { kind: "failed", reason: "the template is gone" };
  const { userId } = run;
  const { channels: reachable } = await call(self.broker, Action.notifications.reachable, {
    userId,
  });
  const channels = step.channels.filter((c) => reachable.includes(c));
  if (channels.length === 0) return { kind: "sent", channels: [] };
  const contact = await call(self.broker, Action.users.contactOf, { userId });
  if (!contact) return { kind: "failed", reason: "the user is gone" };
  const unsubscribeUrl = unsubscribeUrlFor(self.broker, userId, step.category);
  const profile = (await self.repos.profiles.findById(userId)) ?? emptyProfile(userId);
  const messageId = `${run.id}_${index}`;
  const variant = variantFor(userId, template.id, await sharesOf(self, template));
  const links: string[] = [];
  let filled;
  try {
    const variables = variablesOf({
      userId,
      contact: { name: contact.name, email: contact.email },
      profile,
      key: run.key ?? "",
      event: run.event ?? {},
      unsubscribeUrl: unsubscribeUrl ?? "",
      shopUrl: settingsOf(self.broker).storefrontUrl,
    });
    const trackLink = (url: string) => trackedLink(self, messageId, links, url);
    const { locale } = (await self.repos.preferences.findById(userId)) ?? {};
    filled = await fillIn(template, channels, locale, variables, { variant, trackLink });
  } catch (err) {
    if (err instanceof ContentError) return { kind: "failed", reason: err.message.slice(0, 300) };
    throw err;
  }
  // Reasons of the suppressions made now (not given back again), counted for the journey.
  const suppressed: string[] = [];
  const ask = (asked: MessageChannel[]) =>
    decideSends(
      self.repos,
      {
        userId,
        category: step.category,
        priority: step.priority,
        dedupeKey: messageId,
        channels: asked,
      },
      policyOf(self.broker),
      "UTC",
      new Date(),
      (decision) => {
        countDecision(self.broker)(decision);
        if (decision.verdict === "suppress") suppressed.push(decision.reason);
      },
    );
  // With fallback the first channel that may send is the only one asked about past it.
  const decisions = step.fallback ? [] : await ask(channels);
  if (step.fallback)
    for (const channel of channels) {
      const [decision] = await ask([channel]);
      decisions.push(decision);
      if (decision.verdict !== "suppress") break;
    }
  for (const reason of suppressed)
    await countSuppressed(self.repos.counters, run.journeyId, reason);
  faultHook(self.broker, self.logger)("journey-after-decide");
  const deferred = decisions.find((d) => d.verdict === "defer");
  if (deferred) return { kind: "deferred", until: deferred.until! };
  const sending = decisions.filter((d) => d.verdict === "send").map((d) => d.channel);
  const messages = sending.flatMap((channel) => {
    const words = filled.messages[channel];
    if (!words) return [];
    const title = words.subject ?? words.title;
    return [{ channel, body: words.body, ...(title ? { title } : {}) }];
  });
  if (messages.length === 0) return { kind: "sent", channels: [] };
  await recordMessage(outcomeStores(self), {
    id: messageId,
    userId,
    journeyId: run.journeyId,
    templateId: template.id,
    step: index,
    variant,
    channels: messages.map((m) => m.channel),
    links,
    sentAt: new Date().toISOString(),
  });
  await call(self.broker, Action.notifications.deliver, {
    userId,
    type: template.id,
    key: messageId,
    messages,
    ...(unsubscribeUrl ? { unsubscribeUrl } : {}),
  });
  return { kind: "sent", channels: messages.map((m) => m.channel) };
}
