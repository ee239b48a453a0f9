import { RunStatus, type JourneyDefinition, type JourneyStep } from "../../../contracts/engagement";
import type { Repository } from "../../../platform/data/repository";
import type { IndexSpec } from "../../../platform/data/repository";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import type { Profile } from "../profiles/profile-fold";
import { MAX_STEPS, runIdOf, stepAfter, type EventFacts, type JourneyEvent } from "./journey-rules";
import { matches } from "../segments/segment-rules";

/**
 * One user's way through one version of a journey. `wakeAt` is its durable timer: a row, not a
 * timeout in some node's memory, so a restart or a dead node loses none, and a node holds only
 * the page of due runs it is working on.
 */
export interface RunDoc {
  id: string;
  journeyId: string;
  version: number;
  userId: string;
  key?: string;
  /** What the trigger told of itself, for the run's messages. */
  event?: EventFacts;
  /** The step to run next, or the `waitFor` step being waited on. */
  step: number;
  status: RunStatus;
  waitingFor?: string;
  /** Set when the wait is for the entry's own key; `-` (never a key) when it had none. */
  waitKey?: string;
  wakeAt?: string;
  /** Every move bumps it, and a move holds only if nobody moved the run since it was read. */
  rev: number;
  enteredAt: string;
  updatedAt: string;
  endedAt?: string;
  outcome?: string;
}

export type Runs = Repository<RunDoc>;

/**
 * Which run of a user is theirs in a journey they may enter again after it (`afterExit`): an
 * entry takes this place only from a run that has ended, so two triggers at once on two nodes
 * start one run, not two.
 */
export interface PlaceDoc {
  id: string;
  runId: string;
}

export type Places = Repository<PlaceDoc>;

export const RUN_INDEXES: IndexSpec[] = [
  { fields: ["wakeAt"], range: "string" },
  { fields: ["userId", "waitingFor"] },
  { fields: ["journeyId", "status"] },
  // A journey's runs listed newest first, a page at a time, however many it has had.
  { fields: ["journeyId", "enteredAt"] },
];

/** A journey as a run reads it: the version it entered, kept for as long as runs need it. */
export interface JourneyVersion extends JourneyDefinition {
  journeyId: string;
  version: number;
}

export type SendOutcome =
  | { kind: "sent"; channels: string[] }
  | { kind: "deferred"; until: string }
  | { kind: "failed"; reason: string };

export interface RunDeps {
  runs: Runs;
  places: Places;
  versionOf(journeyId: string, version: number): Promise<JourneyVersion | null>;
  profileOf(userId: string): Promise<Profile | null>;
  send(
    run: RunDoc,
    step: Extract<JourneyStep, { type: "send" }>,
    index: number,
  ): Promise<SendOutcome>;
  now(): Date;
  /** How long a node owns a run it took: past it, another node takes the run up. */
  leaseMs: number;
  /** Told, at each look for due runs, how overdue the most overdue one was. */
  late?: (ms: number) => void;
}

const DUE_PAGE = 100;

/** What enters a user in a journey: its key, its facts, and what makes this entry itself. */
export type Entry = Pick<JourneyEvent, "userId" | "key" | "data"> & {
  /** The trigger's message (or the membership begun): its redelivery is the same entry. */
  entry?: string;
};

/** Starts `journey` for the user of `event`, unless its re-entry rule says they were in it. */
export async function enterRun(
  deps: Pick<RunDeps, "runs" | "places" | "now">,
  journey: JourneyVersion,
  event: Entry,
): Promise<boolean> {
  const at = deps.now().toISOString();
  const id = runIdOf(journey.journeyId, journey.reentry, event.userId, event.key, event.entry);
  if (journey.reentry === "afterExit" && !(await takePlace(deps, journey, event.userId, id)))
    return false;
  const entered = await insertIfAbsent(deps.runs, {
    id,
    journeyId: journey.journeyId,
    version: journey.version,
    userId: event.userId,
    ...(event.key ? { key: event.key } : {}),
    ...(event.data ? { event: event.data } : {}),
    step: 0,
    status: RunStatus.ACTIVE,
    wakeAt: at,
    rev: 0,
    enteredAt: at,
    updatedAt: at,
  });
  return entered !== undefined;
}

/**
 * The user's place in the journey, for run `runId`: free when they have none, or when the run
 * holding it has ended (or was never written: its node died between the two writes). A
 * redelivered trigger finds its own run holding it. The write is conditional on the run it
 * replaces, so of two entries at once one takes it.
 */
async function takePlace(
  deps: Pick<RunDeps, "runs" | "places">,
  journey: JourneyVersion,
  userId: string,
  runId: string,
): Promise<boolean> {
  const id = runIdOf(journey.journeyId, "once", userId);
  const place = await deps.places.findById(id);
  if (!place) {
    // A run begun before the journey let users in again (it was `once` or `perKey`) counts.
    const active = { userId, journeyId: journey.journeyId, status: RunStatus.ACTIVE };
    if (await deps.runs.findOne(active)) return false;
    return (await insertIfAbsent(deps.places, { id, runId })) !== undefined;
  }
  if (place.runId === runId) return true;
  const holder = await deps.runs.findById(place.runId);
  if (holder?.status === RunStatus.ACTIVE) return false;
  return (await deps.places.updateOne({ id, runId: place.runId }, { $set: { runId } })) === 1;
}

/** Takes a run for this node: it holds only if nobody moved the run since it was read. */
async function claim(deps: RunDeps, run: RunDoc): Promise<RunDoc | null> {
  const wakeAt = new Date(deps.now().getTime() + deps.leaseMs).toISOString();
  const taken = await deps.runs.updateOne(
    { id: run.id, rev: run.rev },
    { $set: { rev: run.rev + 1, wakeAt } },
  );
  return taken ? { ...run, rev: run.rev + 1, wakeAt } : null;
}

/** Runs whose timer is due, each taken by one node and moved on. Answers how many it moved. */
export async function fireDue(deps: RunDeps): Promise<number> {
  const due = await deps.runs.find(
    { wakeAt: { $lte: deps.now().toISOString() } },
    { sort: { wakeAt: 1 }, limit: DUE_PAGE },
  );
  const now = deps.now().getTime();
  deps.late?.(due.length ? Math.max(0, now - Date.parse(due[0].wakeAt!)) : 0);
  let moved = 0;
  // One run that cannot move (a service down) holds up none of the others; its lease runs
  // out and a later pass tries it again.
  let failure: unknown;
  for (const run of due) {
    try {
      const taken = await claim(deps, run);
      if (taken && (await advance(deps, taken, "timer"))) moved++;
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return moved;
}

/** Moves on the runs of the event's user that wait for it (with its key, where they must). */
export async function resumeWaiting(
  deps: RunDeps,
  event: JourneyEvent,
  /** The runs waiting for it, when the caller read them with others (one read a message). */
  known?: RunDoc[],
): Promise<number> {
  const waiting = known ?? (await deps.runs.find({ userId: event.userId, waitingFor: event.name }));
  let moved = 0;
  for (const run of waiting) {
    if (run.userId !== event.userId || run.waitingFor !== event.name) continue;
    if (run.waitKey !== undefined && run.waitKey !== event.key) continue;
    const taken = await claim(deps, run);
    if (taken && (await advance(deps, taken, "event"))) moved++;
  }
  return moved;
}

type Move =
  | { park: { step: number; wakeAt: string; waitingFor?: string; waitKey?: string } }
  | { end: RunStatus; outcome: string };

/**
 * Runs a taken run's steps until it waits or ends, and writes where it got to. The write holds
 * only while this node still owns the run; a send repeated by the next owner is the same
 * decision and the same message (both keyed by run and step), so nothing reaches a user twice.
 */
export async function advance(
  deps: RunDeps,
  run: RunDoc,
  via: "timer" | "event",
): Promise<boolean> {
  const move = await nextMove(deps, run, via);
  const now = deps.now().toISOString();
  const fields: Partial<RunDoc> = { rev: run.rev + 1, updatedAt: now };
  const unset: Record<string, true> = {};
  if ("park" in move) {
    Object.assign(fields, move.park);
    for (const field of ["waitingFor", "waitKey"] as const)
      if (move.park[field] === undefined) unset[field] = true;
  } else {
    Object.assign(fields, { status: move.end, outcome: move.outcome, endedAt: now });
    Object.assign(unset, { wakeAt: true, waitingFor: true, waitKey: true });
  }
  return (
    (await deps.runs.updateOne(
      { id: run.id, rev: run.rev },
      Object.keys(unset).length ? { $set: fields, $unset: unset } : { $set: fields },
    )) > 0
  );
}

async function nextMove(deps: RunDeps, run: RunDoc, via: "timer" | "event"): Promise<Move> {
  const journey = await deps.versionOf(run.journeyId, run.version);
  if (!journey) return { end: RunStatus.FAILED, outcome: "the journey's version is gone" };
  const { steps } = journey;
  const later = (minutes: number) =>
    new Date(deps.now().getTime() + minutes * 60_000).toISOString();
  let at: number | "exit" = run.step;
  let outcome = "exit step";
  if (run.waitingFor) {
    const waited = steps[run.step] as Extract<JourneyStep, { type: "waitFor" }>;
    at = stepAfter(via === "event" ? waited.onEvent : waited.onTimeout, run.step);
    outcome = via === "event" ? `${waited.event} came` : `no ${waited.event}`;
  }
  // Steps only lead forward, so this ends; the bound holds against a version written otherwise.
  for (let hops = 0; hops <= MAX_STEPS; hops++) {
    if (at === "exit") return { end: RunStatus.EXITED, outcome };
    if (at >= steps.length) return { end: RunStatus.COMPLETED, outcome: "last step done" };
    const step: JourneyStep = steps[at];
    switch (step.type) {
      case "wait":
        return { park: { step: at + 1, wakeAt: later(step.minutes) } };
      case "waitFor":
        return {
          park: {
            step: at,
            wakeAt: later(step.timeoutMinutes),
            waitingFor: step.event,
            ...(step.sameKey ? { waitKey: run.key ?? "-" } : {}),
          },
        };
      case "branch": {
        const profile = await deps.profileOf(run.userId);
        const matched = profile !== null && matches(step.rule, profile, deps.now());
        if (!matched) outcome = `branch ${at} did not match`;
        at = matched ? at + 1 : stepAfter(step.otherwise, at);
        break;
      }
      case "send": {
        const sent = await deps.send(run, step, at);
        if (sent.kind === "deferred") return { park: { step: at, wakeAt: sent.until } };
        if (sent.kind === "failed") return { end: RunStatus.FAILED, outcome: sent.reason };
        at += 1;
        break;
      }
      case "exit":
        at = "exit";
        break;
    }
  }
  return { end: RunStatus.FAILED, outcome: "the journey does not end" };
}
