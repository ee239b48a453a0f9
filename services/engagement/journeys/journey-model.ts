import { JourneyStatus, REENTRY, RunStatus } from "../../../contracts/engagement";
import { idRule } from "../../../platform/actions/ids";
import {
  arrayOf,
  dateTime,
  integer,
  number,
  mapOf,
  object,
  oneOf,
  string,
  type JsonSchema,
} from "../../../platform/actions/openapi";
import { MAX_STEPS } from "./journey-rules";
import { LOCALE_PATTERN } from "../content/templates";

/** A step or a trigger is one of several forms: `journeyProblems` checks which, by place. */
const anyObject: JsonSchema = { type: "object" };

export const JOURNEY_SHAPE = object(
  {
    id: string,
    name: string,
    status: oneOf(Object.values(JourneyStatus)),
    version: integer,
    trigger: anyObject,
    reentry: oneOf(REENTRY),
    steps: arrayOf(anyObject),
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  [],
  "Journey",
);

export const JOURNEY_STATS_SHAPE = object(
  {
    journeyId: string,
    version: integer,
    entered: integer,
    active: integer,
    completed: integer,
    exited: integer,
    failed: integer,
    waiting: integer,
    sent: integer,
    clicked: integer,
    converted: integer,
    bySend: arrayOf(
      object(
        {
          step: integer,
          variant: string,
          sent: integer,
          clicked: integer,
          converted: integer,
        },
        [],
        "JourneySendResults",
      ),
    ),
    suppressed: mapOf(integer),
    revenue: mapOf(integer),
  },
  [],
  "JourneyStats",
);

export const RUN_SHAPE = object(
  {
    id: string,
    userId: string,
    version: integer,
    key: string,
    step: integer,
    status: oneOf(Object.values(RunStatus)),
    event: { type: "object" },
    waitingFor: string,
    wakeAt: dateTime,
    enteredAt: dateTime,
    updatedAt: dateTime,
    endedAt: dateTime,
    outcome: string,
  },
  ["key", "event", "waitingFor", "wakeAt", "endedAt", "outcome"],
  "JourneyRun",
);

/** The forms inside are `journeyProblems`' to check: it names every problem, not the first. */
export const journeyFields = {
  name: { type: "string", trim: true, min: 1, max: 100 },
  trigger: { type: "object" },
  reentry: { type: "enum", values: REENTRY },
  steps: { type: "array", min: 1, max: MAX_STEPS, items: { type: "any" } },
  status: { type: "enum", values: Object.values(JourneyStatus), optional: true },
} as const;

export const journeyParams = { $$strict: true, ...journeyFields } as const;

const words = object(
  { subject: string, preheader: string, title: string, body: string },
  ["subject", "preheader", "title"],
  "ChannelWords",
);

export const TEMPLATE_SHAPE = object(
  {
    id: string,
    name: string,
    defaultLocale: string,
    locales: mapOf(mapOf(words)),
    variants: arrayOf(
      object({ name: string, locales: mapOf(mapOf(words)) }, [], "TemplateVariant"),
    ),
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  ["variants"],
  "Template",
);

export const PREVIEW_SHAPE = object(
  { locale: string, messages: mapOf(words) },
  [],
  "TemplatePreview",
);

export const templateFields = {
  name: { type: "string", trim: true, min: 1, max: 100 },
  defaultLocale: { type: "string", max: 8, pattern: LOCALE_PATTERN },
  locales: { type: "object" },
  variants: {
    type: "array",
    optional: true,
    max: 3,
    items: {
      type: "object",
      strict: true,
      props: { name: { type: "string", min: 1, max: 40 }, locales: { type: "object" } },
    },
  },
} as const;

export const templateParams = { $$strict: true, ...templateFields } as const;

export const TEMPLATE_STATS_SHAPE = object(
  {
    templateId: string,
    variants: arrayOf(
      object(
        { name: string, sent: integer, clicked: integer, converted: integer, share: number },
        [],
        "VariantResults",
      ),
    ),
  },
  [],
  "TemplateStats",
);

export const previewParams = {
  $$strict: true,
  id: idRule,
  locale: { type: "string", max: 8, pattern: LOCALE_PATTERN, optional: true },
  /** Whose profile fills the template in; without it, an empty sample profile. */
  userId: { ...idRule, optional: true },
  /** Which variant: 0 is the template's own words. */
  variant: { type: "number", integer: true, min: 0, max: 3, optional: true, convert: true },
} as const;
