/**
 * The policies' contract: Cedar policies over the shop's principals and resources, owned by
 * `policies` and decided on every node (platform/policy). Roles stay the first gate; a policy
 * refines what a role let through, and a decision nobody permits is a denial.
 */
export const PoliciesAction = {
  list: "policies.list",
  create: "policies.create",
  activate: "policies.activate",
  evaluate: "policies.evaluate",
  decisions: "policies.decisions",
  active: "policies.active",
} as const;

export const PoliciesError = {
  POLICY_INVALID: "POLICY_INVALID",
  POLICY_CASES_FAILED: "POLICY_CASES_FAILED",
  POLICY_LOCKOUT: "POLICY_LOCKOUT",
  POLICY_DENIED: "POLICY_DENIED",
} as const;

/** Told to every node when the active set changes, with the whole set. */
export const POLICIES_CHANGED = "policies.changed";
/** Decisions a node sends to the decision log (denials, and a sample of allows). */
export const POLICY_DECISIONS = "policies.decided";

/**
 * What policies speak of. Principals: a signed-in `User`, an `ApiKey` (its owner's `userId`,
 * the roles it may act with, its scopes) and an anonymous `Visitor`. `request` is asked by the
 * gateway for every call it routes (the resource is the `Route`, named by its action); the
 * others by the service that holds the resource, where its attributes are known.
 */
export const POLICY_SCHEMA = `
entity User { userId: String, roles: Set<String> };
entity ApiKey { userId: String, roles: Set<String>, scopes: Set<String> };
entity Visitor { userId: String, roles: Set<String> };
entity Route { access: String, service: String };
entity Order { ownerId: String, total: Long, currency: String, status: String };
entity Refund { ownerId: String, amount: Long, currency: String };
entity Product { active: Bool };
entity Course { instructorId: String, status: String };
entity Lesson { courseId: String, instructorId: String };
entity Document { ownerId: String };
entity Policy;
action request appliesTo {
  principal: [User, ApiKey, Visitor], resource: [Route],
  context: { ip: ipaddr, method: String }
};
action "orders.read", "orders.cancel" appliesTo { principal: [User, ApiKey], resource: [Order] };
action "payments.refund" appliesTo { principal: [User, ApiKey], resource: [Refund] };
action "courses.edit" appliesTo { principal: [User, ApiKey], resource: [Course, Lesson] };
`;

export type PolicyDecisionValue = "allow" | "deny";

/** A Cedar value in its JSON form (an `ip` is `{"__extn": {"fn": "ip", "arg": "10.0.0.1"}}`). */
export type PolicyValue =
  string | number | boolean | PolicyValue[] | { [key: string]: PolicyValue };

export interface PolicyEntity {
  type: string;
  id: string;
  attrs?: Record<string, PolicyValue>;
}

/** One question to the engine: may this principal take this action on this resource? */
export interface PolicyQuery {
  principal: PolicyEntity;
  action: string;
  resource: PolicyEntity;
  context?: Record<string, PolicyValue>;
}

/** A policy's stored test case: a question and the answer the whole active set must give. */
export interface PolicyCase extends PolicyQuery {
  name: string;
  expect: PolicyDecisionValue;
}

/** One version of one policy, as written. */
export interface PolicyVersion {
  id: string;
  version: number;
  text: string;
  description?: string;
  cases: PolicyCase[];
  createdAt: string;
  createdBy: string;
}

/** The set every node decides with: one version of each active policy. */
export interface ActivePolicySet {
  version: number;
  policies: { id: string; version: number; text: string }[];
}

/** A decision as the log keeps it. */
export interface PolicyDecisionRecord {
  id: string;
  at: string;
  nodeId: string;
  decision: PolicyDecisionValue;
  /** The policies that decided: the permits of an allow, the forbids of a denial. */
  reasons: string[];
  errors: string[];
  principal: string;
  action: string;
  resource: string;
  requestId?: string;
}
