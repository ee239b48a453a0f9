import { Action } from "../../../contracts/actions";
import type { SegmentMoved } from "../../../contracts/channels";
import { JourneyStatus } from "../../../contracts/engagement";
import { call } from "../../../platform/actions/typed-call";
import { ownSettings, settingsOf } from "../../../platform/runtime/settings-of";
import { faultHook } from "../../../platform/runtime/fault-injection";
import { engagementSettings } from "../settings";
import type { EngagementThis } from "../engagement-this";
import { journeyEventsOf } from "./journey-rules";
import { enterRun, resumeWaiting, type JourneyVersion, type RunDeps } from "./journey-runs";
import { MAX_JOURNEYS, versionId, type JourneyDoc } from "./journeys";
import { emptyProfile } from "../profiles/profile-fold";
import { decideSends } from "../decisions/send-decisions";
import { countDecision, policyOf, unsubscribeUrlFor } from "../decisions/send-policy";
import { variantCount, type TemplateDoc } from "../content/templates";
import { linkToken } from "../content/tracked-links";
import { countSuppressed, recordMessage, variantShares, type MessageStores } from "./message-log";
import { countMetric, setGauge } from "../../../platform/observability/metrics";
import { ShopMetric } from "../../../contracts/metrics";
import { sendStep, type SendStepDeps } from "./send-step";

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
    send: (run, step, index) => sendStep(sendStepDeps(self), run, step, index),
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

/** The doors `sendStep` goes through, opened on this service. */
export function sendStepDeps(self: EngagementThis): SendStepDeps {
  return {
    templateOf: (id) => self.repos.templates.findById(id),
    reachable: async (userId) =>
      (await call(self.broker, Action.notifications.reachable, { userId })).channels,
    contactOf: (userId) => call(self.broker, Action.users.contactOf, { userId }),
    profileOf: async (userId) =>
      (await self.repos.profiles.findById(userId)) ?? emptyProfile(userId),
    localeOf: async (userId) => (await self.repos.preferences.findById(userId))?.locale,
    sharesOf: (template) => sharesOf(self, template),
    unsubscribeUrl: (userId, category) => unsubscribeUrlFor(self.broker, userId, category),
    shopUrl: settingsOf(self.broker).storefrontUrl,
    trackedLink: (messageId, links, url) => trackedLink(self, messageId, links, url),
    decide: (ask, decided) =>
      decideSends(self.repos, ask, policyOf(self.broker), "UTC", new Date(), (decision) => {
        countDecision(self.broker)(decision);
        decided(decision);
      }),
    countSuppressed: (journeyId, reason) => countSuppressed(self.repos.counters, journeyId, reason),
    fault: faultHook(self.broker, self.logger),
    record: (message) => recordMessage(outcomeStores(self), message),
    deliver: async (delivery) => {
      await call(self.broker, Action.notifications.deliver, delivery);
    },
  };
}
