import { randomBytes } from "node:crypto";
import { JourneyStatus, RunStatus, type JourneyDefinition } from "../../../contracts/engagement";
import {
  conflict,
  ErrorType,
  invalid,
  notFound,
  type FieldProblem,
} from "../../../platform/actions/errors";
import type { Repository } from "../../../platform/data/repository";
import { journeyProblems, keptStep } from "./journey-rules";
import type { JourneyVersion, Runs } from "./journey-runs";

export interface JourneyDoc extends JourneyDefinition {
  id: string;
  status: JourneyStatus;
  /** Raised by every change to what the journey does; runs finish on the version they entered. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** One version of a journey, kept (`<journeyId>_v<n>`) for the runs that entered it. */
export interface VersionDoc extends JourneyVersion {
  id: string;
}

export interface JourneyStores {
  journeys: Repository<JourneyDoc>;
  journey_versions: Repository<VersionDoc>;
  templates: Repository<{ id: string }>;
  segments: Repository<{ id: string }>;
}

export const MAX_JOURNEYS = 100;

export const versionId = (journeyId: string, version: number) => `${journeyId}_v${version}`;

/** The rule's own problems, then what it names that does not exist. */
async function checked(stores: JourneyStores, journey: JourneyDefinition): Promise<void> {
  const problems: FieldProblem[] = journeyProblems(journey);
  if (problems.length === 0) {
    const missing = (field: string, what: string) =>
      problems.push({ field, message: `names no ${what}`, type: "journey" });
    if ("segment" in journey.trigger && !(await stores.segments.findById(journey.trigger.segment)))
      missing("trigger.segment", "segment");
    for (const [i, step] of journey.steps.entries())
      if (step.type === "send" && !(await stores.templates.findById(step.template)))
        missing(`steps[${i}].template`, "template");
  }
  if (problems.length) throw invalid(problems, "The journey cannot be used");
}

/** What is kept of a definition (checked first): its own fields, nothing else it was sent. */
const definitionOf = ({ name, trigger, reentry, steps }: JourneyDefinition) => ({
  name,
  trigger: "segment" in trigger ? { segment: trigger.segment } : { event: trigger.event },
  reentry,
  steps: steps.map(keptStep),
});

async function keepVersion(stores: JourneyStores, journey: JourneyDoc): Promise<void> {
  await stores.journey_versions.upsert(
    { id: versionId(journey.id, journey.version) },
    { $set: { journeyId: journey.id, version: journey.version, ...definitionOf(journey) } },
  );
}

export async function createJourney(
  stores: JourneyStores,
  input: JourneyDefinition & { status?: JourneyStatus },
  id = `jrn_${randomBytes(8).toString("hex")}`,
): Promise<JourneyDoc> {
  await checked(stores, input);
  const definition = definitionOf(input);
  const held = await stores.journeys.find(
    { id: { $gt: "" } },
    { sort: { id: 1 }, limit: MAX_JOURNEYS },
  );
  if (held.length >= MAX_JOURNEYS)
    throw conflict(ErrorType.INVALID_STATE, `A shop holds at most ${MAX_JOURNEYS} journeys`);
  const now = new Date().toISOString();
  const journey: JourneyDoc = {
    id,
    ...definition,
    status: input.status ?? JourneyStatus.PAUSED,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  // The version first: a run may enter as soon as the journey exists.
  await keepVersion(stores, journey);
  return stores.journeys.insert(journey);
}

export async function updateJourney(
  stores: JourneyStores,
  id: string,
  changes: Partial<JourneyDefinition> & { status?: JourneyStatus },
): Promise<JourneyDoc> {
  const current = await stores.journeys.findById(id);
  if (!current) throw notFound("Journey");
  const merged = { ...current, ...changes };
  const reshaped = (["trigger", "reentry", "steps"] as const).some(
    (field) => changes[field] !== undefined,
  );
  if (reshaped) await checked(stores, merged);
  const definition = definitionOf(merged);
  const next: JourneyDoc = {
    ...current,
    ...definition,
    status: changes.status ?? current.status,
    version: reshaped ? current.version + 1 : current.version,
    updatedAt: new Date().toISOString(),
  };
  if (reshaped) await keepVersion(stores, next);
  const { id: _id, ...fields } = next;
  void _id;
  // Two admins editing at once: the second is told, not silently merged.
  if (!(await stores.journeys.updateOne({ id, version: current.version }, { $set: fields })))
    throw conflict(ErrorType.INVALID_STATE, "The journey changed meanwhile; read it and retry");
  return next;
}

/** How many entered, and where they are now. */
export async function journeyStats(runs: Runs, journey: JourneyDoc) {
  const count = (status: RunStatus) => runs.count({ journeyId: journey.id, status });
  const [active, completed, exited, failed] = await Promise.all(
    [RunStatus.ACTIVE, RunStatus.COMPLETED, RunStatus.EXITED, RunStatus.FAILED].map(count),
  );
  return {
    journeyId: journey.id,
    version: journey.version,
    entered: active + completed + exited + failed,
    active,
    /** In the journey now, each waiting for a time or an event to move on. */
    waiting: active,
    completed,
    exited,
    failed,
  };
}
