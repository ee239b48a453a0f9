import { isCategory } from "../decisions/preferences";
import { ownValue } from "../../../platform/data/own-value";
import { createHash } from "node:crypto";
import type { ChannelPayloads } from "../../../contracts/channels";
import {
  JOURNEY_CHANNELS,
  MessageChannel,
  Priority,
  REENTRY,
  type JourneyChannel,
  type JourneyDefinition,
  type JourneyStep,
  type StepTarget,
} from "../../../contracts/engagement";
import type { FieldProblem } from "../../../platform/actions/errors";
import { isId } from "../../../platform/actions/ids";
import { ruleProblems } from "../segments/segment-rules";

export const MAX_STEPS = 20;
/** A wait longer than a year is a mistake, not a plan. */
export const MAX_WAIT_MINUTES = 366 * 24 * 60;
const BEHAVIOUR_EVENT = /^event:[a-z][a-z0-9_.]{0,63}$/;
const CHANNELS: readonly string[] = Object.values(MessageChannel);
const PRIORITIES: readonly string[] = Object.values(Priority);

/**
 * Something a journey hears about one user: what it was, the key it carries, and what its
 * messages may say of it (`event` in a template).
 */
export interface JourneyEvent {
  name: string;
  userId: string;
  key?: string;
  data?: EventFacts;
}

export type EventFacts = Record<string, string | number | { name: string; quantity: number }[]>;

/** Lines a message may list: enough for any reminder, bounded for the run that keeps them. */
const MAX_LINES = 50;
const linesOf = (items: unknown): { name: string; quantity: number }[] =>
  (Array.isArray(items) ? items : []).slice(0, MAX_LINES).map((i: Record<string, unknown>) => ({
    name: String(i.name ?? "").slice(0, 200),
    quantity: Number(i.quantity) || 0,
  }));

/** What a channel's message may tell a template, and nothing else of it. */
function factsOf(channel: string, data: Record<string, unknown>): EventFacts | undefined {
  if (channel === "cart.abandoned") return { items: linesOf(data.items) };
  if (channel.startsWith("orders."))
    return {
      total: Number(data.total) || 0,
      currency: String(data.currency ?? ""),
      items: linesOf(data.items),
    };
  if (channel.startsWith("courses.")) return { courseId: String(data.courseId ?? "") };
  return undefined;
}

export function isJourneyEvent(name: unknown): name is string {
  return (
    typeof name === "string" &&
    ((JOURNEY_CHANNELS as readonly string[]).includes(name) || BEHAVIOUR_EVENT.test(name))
  );
}

type Problem = (field: string, message: string) => void;

function targetProblems(target: unknown, at: string, index: number, problem: Problem): void {
  if (target === "next" || target === "exit") return;
  // Only forward: every run ends, whatever the journey says.
  if (!Number.isInteger(target) || (target as number) <= index || (target as number) >= MAX_STEPS)
    problem(at, `must be next, exit or the index of a later step (after ${index})`);
}

const minutes = (value: unknown) =>
  typeof value === "number" && value > 0 && value <= MAX_WAIT_MINUTES;

function stepProblems(step: unknown, i: number, problem: Problem): void {
  const at = `steps[${i}]`;
  if (typeof step !== "object" || step === null || Array.isArray(step))
    return problem(at, "must be an object");
  const s = step as Record<string, unknown>;
  const need = (field: string, ok: boolean, message: string) =>
    ok || problem(`${at}.${field}`, message);
  switch (s.type) {
    case "wait":
      need("minutes", minutes(s.minutes), `must be minutes, above 0, at most ${MAX_WAIT_MINUTES}`);
      break;
    case "waitFor":
      need("event", isJourneyEvent(s.event), "must be a journey channel or event:<type>");
      need("sameKey", typeof s.sameKey === "boolean", "must be true or false");
      need(
        "timeoutMinutes",
        minutes(s.timeoutMinutes),
        `must be minutes, above 0, at most ${MAX_WAIT_MINUTES}`,
      );
      targetProblems(s.onEvent, `${at}.onEvent`, i, problem);
      targetProblems(s.onTimeout, `${at}.onTimeout`, i, problem);
      break;
    case "branch":
      for (const p of ruleProblems(s.rule)) problem(`${at}.${p.field}`, p.message);
      targetProblems(s.otherwise, `${at}.otherwise`, i, problem);
      break;
    case "send":
      need("template", isId(s.template), "must be a template id");
      need("category", isCategory(s.category), "must be a category");
      need(
        "channels",
        Array.isArray(s.channels) &&
          s.channels.length > 0 &&
          s.channels.every((c) => CHANNELS.includes(c as string)) &&
          new Set(s.channels).size === s.channels.length,
        `must list channels, each once, of ${CHANNELS.join(", ")}`,
      );
      need(
        "fallback",
        s.fallback === undefined || typeof s.fallback === "boolean",
        "must be true or false (false when left out)",
      );
      need(
        "priority",
        s.priority === undefined || PRIORITIES.includes(s.priority as string),
        `must be one of ${PRIORITIES.join(", ")} (normal when left out)`,
      );
      break;
    case "exit":
      break;
    default:
      problem(`${at}.type`, "must be wait, waitFor, branch, send or exit");
  }
}

/** Every problem of a journey, each naming its place; an empty list can be saved. */
export function journeyProblems(journey: JourneyDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem: Problem = (field, message) =>
    problems.push({ field: field.slice(0, 120), message, type: "journey" });
  const trigger = journey.trigger as Record<string, unknown>;
  const keys = Object.keys(trigger ?? {});
  if (keys.length !== 1 || !["segment", "event"].includes(keys[0]))
    problem("trigger", "must be {segment: id} or {event: name}");
  else if ("segment" in trigger && !isId(trigger.segment))
    problem("trigger.segment", "must be a segment id");
  else if ("event" in trigger && !isJourneyEvent(trigger.event))
    problem("trigger.event", "must be a journey channel or event:<type>");
  if (!(REENTRY as readonly string[]).includes(journey.reentry))
    problem("reentry", `must be one of ${REENTRY.join(", ")}`);
  if (!Array.isArray(journey.steps) || journey.steps.length === 0)
    problem("steps", `must hold 1 to ${MAX_STEPS} steps`);
  else if (journey.steps.length > MAX_STEPS) problem("steps", `must hold at most ${MAX_STEPS}`);
  else journey.steps.forEach((step, i) => stepProblems(step, i, problem));
  return problems;
}

/** The fields each kind of step has: a journey keeps these and nothing else it was sent. */
const STEP_FIELDS: Record<JourneyStep["type"], string[]> = {
  wait: ["minutes"],
  waitFor: ["event", "sameKey", "timeoutMinutes", "onEvent", "onTimeout"],
  branch: ["rule", "otherwise"],
  send: ["template", "category", "channels", "fallback", "priority"],
  exit: [],
};

/** What a step's optional fields are when left out: one channel, an ordinary message. */
const STEP_DEFAULTS: Partial<Record<JourneyStep["type"], Record<string, unknown>>> = {
  send: { fallback: false, priority: Priority.NORMAL },
};

/** A checked step as it is kept: its type and its own fields, in that order, defaults filled. */
export function keptStep(step: JourneyStep): JourneyStep {
  const fields = STEP_FIELDS[step.type];
  const source = step as unknown as Record<string, unknown>;
  const defaults = STEP_DEFAULTS[step.type] ?? {};
  return Object.fromEntries([
    ["type", step.type],
    ...fields.map((field) => [field, ownValue(source, field) ?? ownValue(defaults, field)]),
  ]) as JourneyStep;
}

/** The keyed events one message tells a journey about, one per user it names. */
export function journeyEventsOf(channel: string, data: unknown): JourneyEvent[] {
  if (channel === "analytics.events")
    return (data as ChannelPayloads["analytics.events"]).events.flatMap((e) => {
      if (!e.userId || !isId(e.userId)) return [];
      const key = isId(e.props?.key) ? e.props.key : isId(e.productId) ? e.productId : undefined;
      return [{ name: `event:${e.type}`, userId: e.userId, ...(key ? { key } : {}) }];
    });
  if (!(JOURNEY_CHANNELS as readonly string[]).includes(channel)) return [];
  const fields = data as Partial<Record<"userId" | "orderId" | "courseId" | "key", string>>;
  const key = fields.orderId ?? fields.courseId ?? fields.key ?? fields.userId;
  if (!isId(fields.userId)) return [];
  const facts = factsOf(channel, data as Record<string, unknown>);
  return [
    {
      name: channel as JourneyChannel,
      userId: fields.userId,
      ...(isId(key) ? { key } : {}),
      ...(facts ? { data: facts } : {}),
    },
  ];
}

/**
 * A run's id: the same entry always makes the same id, so a redelivered trigger never starts a
 * second run. `once` lets a user in once, whatever the key; `afterExit` once an entry (the
 * trigger's message, or the segment membership that began).
 */
export function runIdOf(
  journeyId: string,
  reentry: string,
  userId: string,
  key = "",
  entry = "",
): string {
  const scope = reentry === "perKey" ? key : reentry === "afterExit" ? `entry\n${entry}` : "";
  const digest = createHash("sha256").update(`${journeyId}\n${userId}\n${scope}`).digest("hex");
  return `run_${digest.slice(0, 40)}`;
}

/** The step a target leads to; past the last step is the end. */
export function stepAfter(target: StepTarget, index: number): number | "exit" {
  if (target === "exit") return "exit";
  return target === "next" ? index + 1 : target;
}

export type { JourneyStep };
