import type { PolicyDecisionRecord, PolicyVersion } from "../../contracts/policies";
import { arrayOf, integer, mapOf, object, oneOf, string } from "../../platform/actions/openapi";
import type { IndexSpec } from "../../platform/data/repository";

/** A policy's id: lower-case words joined by hyphens, so it reads well as a decision's reason. */
export const POLICY_ID = /^[a-z][a-z0-9-]{0,63}$/;
export const policyIdRule = { type: "string", max: 64, pattern: POLICY_ID } as const;

/** One version as stored: its row's id is `<policy id>@<version>`. */
export type PolicyVersionDoc = Omit<PolicyVersion, "id"> & { id: string; policyId: string };

export const versionKey = (policyId: string, version: number) => `${policyId}@${version}`;

/** The one row naming the active set: a version of the whole, and each policy's chosen version. */
export interface PolicyStateDoc {
  id: "active";
  version: number;
  active: Record<string, number>;
  updatedAt: string;
}

export type PolicyDecisionDoc = PolicyDecisionRecord;

export const POLICY_VERSION_INDEXES: IndexSpec[] = [{ fields: ["policyId"] }];
export const POLICY_DECISION_INDEXES: IndexSpec[] = [
  { fields: ["at"], range: "string" },
  { fields: ["decision"] },
  { fields: ["action"] },
  { fields: ["principal"] },
];

const entityRule = {
  type: "object",
  strict: true,
  props: {
    type: { type: "string", max: 64, pattern: /^[A-Za-z][A-Za-z0-9_]*$/ },
    id: { type: "string", min: 1, max: 200 },
    attrs: { type: "object", optional: true },
  },
} as const;

/** A question to the engine, as a client writes it (Cedar's JSON for values such as `ip`). */
export const QUERY_PROPS = {
  principal: entityRule,
  action: { type: "string", min: 1, max: 100 },
  resource: entityRule,
  context: { type: "object", optional: true },
} as const;

export const CREATE_PARAMS = {
  $$strict: true,
  id: policyIdRule,
  text: { type: "string", min: 1, max: 20_000 },
  description: { type: "string", max: 500, optional: true },
  cases: {
    type: "array",
    max: 100,
    default: [],
    items: {
      type: "object",
      strict: true,
      props: {
        name: { type: "string", min: 1, max: 200 },
        ...QUERY_PROPS,
        expect: { type: "enum", values: ["allow", "deny"] },
      },
    },
  },
} as const;

const ENTITY_SHAPE = object(
  { type: string, id: string, attrs: mapOf({}) },
  ["attrs"],
  "PolicyEntity",
);
const CASE_SHAPE = object(
  {
    name: string,
    principal: ENTITY_SHAPE,
    action: string,
    resource: ENTITY_SHAPE,
    context: mapOf({}),
    expect: oneOf(["allow", "deny"]),
  },
  ["context"],
  "PolicyCase",
);
export const VERSION_SHAPE = object(
  {
    id: string,
    version: integer,
    text: string,
    description: string,
    cases: arrayOf(CASE_SHAPE),
    createdAt: string,
    createdBy: string,
  },
  ["description"],
  "PolicyVersion",
);
export const POLICY_SHAPE = object(
  { id: string, activeVersion: integer, latestVersion: integer, versions: arrayOf(VERSION_SHAPE) },
  ["activeVersion"],
  "Policy",
);
export const DECISION_SHAPE = object(
  {
    decision: oneOf(["allow", "deny"]),
    reasons: arrayOf(string),
    errors: arrayOf(string),
    version: integer,
  },
  [],
  "PolicyDecision",
);
export const DECISION_RECORD_SHAPE = object(
  {
    id: string,
    at: string,
    nodeId: string,
    decision: oneOf(["allow", "deny"]),
    reasons: arrayOf(string),
    errors: arrayOf(string),
    principal: string,
    action: string,
    resource: string,
    requestId: string,
  },
  ["requestId"],
  "PolicyDecisionRecord",
);

export const toVersionView = ({
  id: _key,
  policyId,
  ...view
}: PolicyVersionDoc): PolicyVersion => ({
  id: policyId,
  ...view,
});

/** Sweeps decisions older than `days`; answers how many went. */
export function sweepDecisions(
  decisions: { deleteMany(filter: object): Promise<number> },
  days: number,
  now = Date.now(),
): Promise<number> {
  return decisions.deleteMany({ at: { $lt: new Date(now - days * 86_400_000).toISOString() } });
}
