import type { FlagDefinition, FlagKind, FlagValue } from "../../contracts/flags";
import type { FieldProblem } from "../../platform/actions/errors";
import { kindOf } from "../../platform/flags/flag-engine";
import { dateTime, integer, object, string } from "../../platform/actions/openapi";
import type { OutboxDoc } from "../../platform/messaging/outbox";

/** A flag as kept: its key is its id. */
export type FlagDoc = FlagDefinition & OutboxDoc & { id: string };

export type FlagInput = Omit<FlagDefinition, "key" | "version" | "updatedAt">;

export const FLAG_KEY = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_RULES = 50;
const MAX_LISTED = 1000;
const MAX_VALUE_BYTES = 8192;

/** The body of `PUT /flags/:key`, checked for shape; `flagProblems` checks what it means. */
export const FLAG_PARAMS = {
  $$strict: true,
  key: { type: "string", max: 64, pattern: FLAG_KEY },
  kind: { type: "enum", values: ["boolean", "string", "number", "object"] },
  description: { type: "string", max: 500, optional: true },
  enabled: { type: "boolean" },
  default: { type: "any" },
  rules: {
    type: "array",
    max: MAX_RULES,
    default: [],
    items: {
      type: "object",
      strict: true,
      props: {
        attribute: { type: "enum", values: ["role", "country", "userId"] },
        in: { type: "array", min: 1, max: MAX_LISTED, items: { type: "string", max: 100 } },
        serve: { type: "any" },
      },
    },
  },
  rollout: {
    type: "object",
    optional: true,
    strict: true,
    props: {
      percent: { type: "number", min: 0, max: 100 },
      serve: { type: "any" },
    },
  },
} as const;

/** Every value a flag serves must be of its kind, and small. */
export function flagProblems(input: FlagInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const check = (field: string, value: FlagValue | undefined) => {
    if (value === undefined || value === null)
      return problems.push({ field, message: "is required", type: "required" });
    const kind: FlagKind | "array" = Array.isArray(value) ? "array" : kindOf(value);
    if (kind !== input.kind)
      problems.push({ field, message: `must be a ${input.kind}, like the flag`, type: "flagKind" });
    else if (Buffer.byteLength(JSON.stringify(value)) > MAX_VALUE_BYTES)
      problems.push({ field, message: `is over ${MAX_VALUE_BYTES} bytes`, type: "flagSize" });
    else if (typeof value === "number" && !Number.isFinite(value))
      problems.push({ field, message: "must be a finite number", type: "flagKind" });
  };
  check("default", input.default);
  input.rules.forEach((rule, i) => check(`rules[${i}].serve`, rule.serve));
  if (input.rollout) check("rollout.serve", input.rollout.serve);
  return problems;
}

export const FLAG_SHAPE = object(
  {
    key: string,
    kind: string,
    description: string,
    enabled: { type: "boolean" },
    default: {},
    rules: { type: "array", items: { type: "object" } },
    rollout: { type: "object" },
    version: integer,
    updatedAt: dateTime,
  },
  ["description", "rollout"],
  "Flag",
);

export const toFlagView = (doc: FlagDoc): FlagDefinition => {
  const { key, kind, description, enabled, rules, rollout, version, updatedAt } = doc;
  return {
    key,
    kind,
    ...(description !== undefined ? { description } : {}),
    enabled,
    default: doc.default,
    rules,
    ...(rollout ? { rollout } : {}),
    version,
    updatedAt,
  };
};
