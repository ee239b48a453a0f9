import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import type {
  PolicyDecisionValue,
  PolicyEntity,
  PolicyQuery,
  PolicyValue,
} from "../../contracts/policies";

/**
 * Cedar, as every node runs it: validates policies against a schema, and decides questions
 * with a prepared set held in memory. It knows no shop word; the schema and the policies come
 * from whoever owns them.
 */

export interface PolicyText {
  id: string;
  text: string;
}

export interface Decision {
  decision: PolicyDecisionValue;
  /** The policies that decided: the permits of an allow, the forbids of a denial. */
  reasons: string[];
  /** Policies that failed to evaluate (they count as not applying); or why nothing was asked. */
  errors: string[];
  /** The question itself did not fit the schema (an unknown action, a missing attribute). */
  malformed?: true;
}

/** An IP address as Cedar's `ipaddr` extension value. */
export function ipValue(address: string): PolicyValue {
  return { __extn: { fn: "ip", arg: address } };
}

function messagesOf(errors: { message: string; help?: string | null }[]): string[] {
  return errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message));
}

/** Why these policies cannot be a set under this schema: none when they can. */
export function policyProblems(schema: string, policies: PolicyText[]): string[] {
  const problems: string[] = [];
  for (const { id, text } of policies) {
    const parts = cedar.policySetTextToParts(text);
    if (parts.type === "failure")
      problems.push(...messagesOf(parts.errors).map((m) => `${id}: ${m}`));
    else if (parts.policies.length !== 1 || parts.policy_templates.length)
      problems.push(`${id}: a policy is exactly one permit or forbid statement`);
  }
  if (problems.length) return problems;
  const answer = cedar.validate({ schema, policies: { staticPolicies: textsById(policies) } });
  if (answer.type === "failure") return messagesOf(answer.errors);
  return answer.validationErrors.map((e) => `${e.policyId}: ${messagesOf([e.error])[0]}`);
}

function textsById(policies: PolicyText[]): Record<string, string> {
  return Object.fromEntries(policies.map((p) => [p.id, p.text]));
}

/** The actions a policy names in its scope; `undefined` when it may apply to any. */
function scopedActions(text: string): string[] | undefined {
  const parsed = cedar.policyToJson(text);
  if (parsed.type === "failure") return undefined;
  const scope = parsed.json.action;
  const idOf = (uid: cedar.EntityUidJson) => ("__entity" in uid ? uid.__entity : uid);
  if (scope.op === "==" && "entity" in scope) return [idOf(scope.entity).id];
  // `in [A, B]` names them; `in` a single entity may be a group of actions: any, to be safe.
  if (scope.op === "in" && "entities" in scope) return scope.entities.map((e) => idOf(e).id);
  return undefined;
}

function entityOf(entity: PolicyEntity): cedar.EntityJson {
  return {
    uid: { type: entity.type, id: entity.id },
    attrs: (entity.attrs ?? {}) as Record<string, cedar.CedarValueJson>,
    parents: [],
  };
}

function requestOf(query: PolicyQuery) {
  return {
    principal: { type: query.principal.type, id: query.principal.id },
    action: { type: "Action", id: query.action },
    resource: { type: query.resource.type, id: query.resource.id },
    context: (query.context ?? {}) as cedar.Context,
    validateRequest: true,
    entities:
      query.principal.type === query.resource.type && query.principal.id === query.resource.id
        ? [entityOf(query.principal)]
        : [entityOf(query.principal), entityOf(query.resource)],
  };
}

function decisionOf(answer: cedar.AuthorizationAnswer): Decision {
  if (answer.type === "failure")
    return { decision: "deny", reasons: [], errors: messagesOf(answer.errors), malformed: true };
  const { decision, diagnostics } = answer.response;
  return {
    decision,
    reasons: diagnostics.reason,
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}

/** A question decided by a set that is not loaded anywhere: a candidate's test cases. */
export function decideOnce(schema: string, policies: PolicyText[], query: PolicyQuery): Decision {
  return decisionOf(
    cedar.isAuthorized({
      ...requestOf(query),
      schema,
      policies: { staticPolicies: textsById(policies) },
    }),
  );
}

let engines = 0;

/** Decisions remembered by default: a node's busy principals, routes and addresses. */
export const DECISION_CACHE_SIZE = 10_000;

/**
 * One node's prepared set. Until a valid set is loaded, and after a set fails to load, every
 * question is denied: the engine never allows by default.
 *
 * A decision is a pure function of the question (every attribute it may read is in it) and
 * the set, so the answers to recent questions are remembered until the set changes: a
 * WebAssembly call costs about 0.1 ms with a few policies and 0.3 ms with a hundred
 * (BENCHMARKS.md), a remembered answer a few microseconds.
 */
export class PolicyEngine {
  private readonly setId = `policy-set-${engines++}`;
  private readonly schemaId: string;
  private loaded = false;
  private readonly remembered = new Map<string, Decision>();
  /** The prepared subset of each action the set names; `*` for any other action. */
  private readonly byAction = new Map<string, string>();
  version = -1;
  problem: string | undefined = "no policy set loaded yet";

  constructor(
    private readonly schema: string,
    private readonly cacheSize = DECISION_CACHE_SIZE,
  ) {
    this.schemaId = `${this.setId}-schema`;
    const parsed = cedar.preparseSchema(this.schemaId, schema);
    if (parsed.type === "failure") throw new Error(messagesOf(parsed.errors).join("; "));
  }

  get ready(): boolean {
    return this.loaded;
  }

  /**
   * Takes this set if it is valid; otherwise denies everything until a valid one comes. The set
   * is prepared once per action it names, each holding only the policies that may apply to that
   * action: a decision's cost grows with the policies it has to read.
   */
  load(policies: PolicyText[], version: number): string[] {
    const problems = policyProblems(this.schema, policies);
    this.byAction.clear();
    if (problems.length === 0) {
      const scoped = policies.map((p) => ({ policy: p, actions: scopedActions(p.text) }));
      const named = new Set(scoped.flatMap((s) => s.actions ?? []));
      const subsets: [string, PolicyText[]][] = [
        ["*", scoped.filter((s) => !s.actions).map((s) => s.policy)],
        ...[...named].map(
          (action) =>
            [
              action,
              scoped.filter((s) => !s.actions || s.actions.includes(action)).map((s) => s.policy),
            ] as [string, PolicyText[]],
        ),
      ];
      for (const [action, subset] of subsets) {
        const id = `${this.setId}:${action}`;
        const prepared = cedar.preparsePolicySet(id, { staticPolicies: textsById(subset) });
        if (prepared.type === "failure") problems.push(...messagesOf(prepared.errors));
        this.byAction.set(action, id);
      }
    }
    this.version = version;
    this.remembered.clear();
    this.loaded = problems.length === 0;
    this.problem = this.loaded ? undefined : `policy set ${version} is invalid`;
    return problems;
  }

  /**
   * `key`, when given, names the question as surely as the question itself (the gateway's
   * route questions have a short one): remembering it then costs no serialisation.
   */
  decide(query: PolicyQuery, key?: string): Decision {
    if (!this.loaded) return { decision: "deny", reasons: [], errors: [this.problem ?? ""] };
    key = this.cacheSize > 0 ? (key ?? JSON.stringify(query)) : "";
    const known = this.remembered.get(key);
    if (known) return known;
    const decision = Object.freeze(
      decisionOf(
        cedar.statefulIsAuthorized({
          ...requestOf(query),
          preparsedSchemaName: this.schemaId,
          preparsedPolicySetId: this.byAction.get(query.action) ?? this.byAction.get("*")!,
        }),
      ),
    );
    if (this.cacheSize > 0) {
      // The oldest question goes first: a Map keeps the order it was told them in.
      if (this.remembered.size >= this.cacheSize)
        this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(key, decision);
    }
    return decision;
  }
}
