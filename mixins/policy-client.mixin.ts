import { randomUUID } from "node:crypto";
import { Errors, type Service, type ServiceBroker, type ServiceSchema } from "moleculer";
import {
  POLICIES_CHANGED,
  POLICY_DECISIONS,
  POLICY_SCHEMA,
  PoliciesAction,
  PoliciesError,
  type ActivePolicySet,
  type PolicyDecisionRecord,
  type PolicyEntity,
  type PolicyQuery,
} from "../contracts/policies";
import type { Principal } from "../contracts/users";
import type { Ctx } from "../platform/actions/access";
import { unavailable } from "../platform/actions/errors";
import { joinNodeLoop, leaveNodeLoop } from "../platform/runtime/node-loop";
import { untraced } from "../platform/observability/untraced";
import { PolicyEngine, type Decision } from "../platform/policy/policy-engine";
import { addHealthCheck, NotReadyYet } from "../platform/runtime/health";

/** How often a node asks whether it missed a change, and sends its decisions to the log. */
const POLICY_SYNC_MS = 500;
const POLICY_SYNC = "policy sync";
/** The share of allows kept in the decision log (every denial is kept). */
export const ALLOW_SAMPLE_RATE = 0.01;
/** How long a node waits for a policies service to appear before it says none is there. */
const ALONE_WARNING_MS = 15_000;
/** Decisions held for the log at most; beyond, the oldest are dropped (and counted). */
const MAX_PENDING_DECISIONS = 2000;

/** This node's policy engine, shared by its services, and the decisions it owes the log. */
export class NodePolicies {
  readonly engine = new PolicyEngine(POLICY_SCHEMA);
  pending: PolicyDecisionRecord[] = [];
  dropped = 0;

  constructor(private readonly broker: ServiceBroker) {}

  /** Decides, and keeps the decision for the log: every denial, a sample of allows. */
  decide(query: PolicyQuery, requestId?: string, key?: string): Decision {
    const decision = this.engine.decide(query, key);
    if (decision.decision === "deny" || Math.random() < ALLOW_SAMPLE_RATE) {
      if (this.pending.length >= MAX_PENDING_DECISIONS) {
        this.pending.shift();
        this.dropped++;
      }
      this.pending.push({
        id: randomUUID(),
        at: new Date().toISOString(),
        nodeId: this.broker.nodeID,
        ...decision,
        principal: `${query.principal.type}::${query.principal.id}`,
        action: query.action,
        resource: `${query.resource.type}::${query.resource.id}`,
        ...(requestId ? { requestId } : {}),
      });
    }
    return decision;
  }

  /**
   * Takes a set told by the policies service. A broadcast of the set held (every service of the
   * node hears it) or of an older one (it came late) is dropped; the version check's answer is
   * the service's word and is taken whatever its number (a store restored from a backup
   * numbers from where it was).
   */
  take(set: ActivePolicySet, authoritative = false): void {
    if (!authoritative && set.version <= this.engine.version) return;
    const problems = this.engine.load(set.policies, set.version);
    if (problems.length)
      this.broker.logger.error(
        `Policy set ${set.version} cannot be loaded; this node refuses every request until a valid set comes:`,
        problems.join("; "),
      );
  }

  follow(logger: Service["logger"]): void {
    joinNodeLoop(this.broker, POLICY_SYNC, POLICY_SYNC_MS, () => this.syncOnce(), logger);
  }

  unfollow(): Promise<void> {
    return leaveNodeLoop(this.broker, POLICY_SYNC);
  }

  private readonly since = Date.now();
  private warnedAlone = false;

  private async syncOnce(): Promise<void> {
    const registry = this.broker.registry as unknown as { hasService(n: string): boolean };
    if (!registry.hasService("policies")) {
      // A layout without the policies service anywhere: say why this node never gets ready.
      if (!this.engine.ready && !this.warnedAlone && Date.now() - this.since > ALONE_WARNING_MS) {
        this.warnedAlone = true;
        this.broker.logger.warn(
          "No node hosts the policies service: this node refuses every request until one does (SERVICES must include policies, or @consumers, somewhere)",
        );
      }
      return;
    }
    if (this.pending.length) {
      const decisions = this.pending.splice(0);
      this.broker.emit(POLICY_DECISIONS, { decisions, dropped: this.dropped });
      this.dropped = 0;
    }
    const answer = (await this.broker.call(
      PoliciesAction.active,
      { known: this.engine.version },
      untraced(),
    )) as { version: number; set?: ActivePolicySet };
    if (answer.set) this.take(answer.set, true);
  }
}

const byBroker = new WeakMap<ServiceBroker, NodePolicies>();

export function nodePolicies(broker: ServiceBroker): NodePolicies {
  let held = byBroker.get(broker);
  if (!held) byBroker.set(broker, (held = new NodePolicies(broker)));
  return held;
}

/** The caller as a policy's principal: a user, an API key (with its owner), or a visitor. */
export function principalEntity(caller: Principal | null | undefined): PolicyEntity {
  if (!caller) return { type: "Visitor", id: "anonymous", attrs: { userId: "", roles: [] } };
  if (caller.apiKeyId !== undefined)
    return {
      type: "ApiKey",
      id: caller.apiKeyId,
      attrs: { userId: caller.id, roles: caller.roles, scopes: caller.scopes ?? [] },
    };
  return { type: "User", id: caller.id, attrs: { userId: caller.id, roles: caller.roles } };
}

export function policyDenied(): Error {
  return new Errors.MoleculerClientError("Refused by policy", 403, PoliciesError.POLICY_DENIED);
}

/**
 * Whether the policies let this call's caller take `action` on `resource`. A node without a
 * valid set answers 503: it never allows by default, and a refusal would be a lie.
 */
export function policyAllows(
  broker: ServiceBroker,
  ctx: Ctx<unknown>,
  action: string,
  resource: PolicyEntity,
): boolean {
  const policies = nodePolicies(broker);
  if (!policies.engine.ready) throw unavailable("Authorization is not ready");
  const query = { principal: principalEntity(ctx.meta.user), action, resource };
  return policies.decide(query, ctx.requestID ?? undefined).decision === "allow";
}

type PolicyClientService = Service;

/**
 * Keeps this node's policy set current: each change as its broadcast tells it, and a version
 * check twice a second that reloads the set when the policies service holds a newer one. A
 * node whose set is missing or invalid is not ready. Decisions never leave the node.
 */
const schema: Partial<ServiceSchema<Record<string, never>, PolicyClientService>> = {
  events: {
    [POLICIES_CHANGED](this: Service, ctx: { params: ActivePolicySet }) {
      nodePolicies(this.broker).take(ctx.params);
    },
  },

  created(this: PolicyClientService) {
    addHealthCheck(this, "policies", async () => {
      const { engine } = nodePolicies(this.broker);
      if (engine.ready) return;
      if (engine.version < 0) throw new NotReadyYet("policy set");
      throw new Error(engine.problem);
    });
  },

  started(this: PolicyClientService) {
    nodePolicies(this.broker).follow(this.logger);
  },

  async stopped(this: PolicyClientService) {
    await nodePolicies(this.broker).unfollow();
  },
};

export const PolicyClientMixin = schema as Partial<ServiceSchema>;
