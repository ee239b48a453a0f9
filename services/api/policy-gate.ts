import type { Principal } from "../../platform/actions/access";
import { unavailable } from "../../platform/actions/errors";
import { policyDenied, principalEntity, type NodePolicies } from "../../mixins/policy-client.mixin";
import { ipValue } from "../../platform/policy/policy-engine";
import type { ActionAccess } from "./access-check";

/**
 * The second gate, after the roles: this node's policies, asked `request` on the route (named
 * by its action) with where the call came from. The gateway's own open pages (health, docs)
 * are not asked: a node must say it is unready even when it has no policies.
 */
export function assertPolicyAllows(
  policies: NodePolicies,
  action: ActionAccess & { name?: string },
  caller: Principal | null,
  request: { ip: string; method: string; requestId?: string },
): void {
  const name = action.name ?? "";
  const service = name.split(".")[0];
  const access = action.access ?? "user";
  if (service === "api" && access === "public") return;
  if (!policies.engine.ready) throw unavailable("Authorization is not ready");
  const decision = policies.decide(
    {
      principal: principalEntity(caller),
      action: "request",
      resource: { type: "Route", id: name, attrs: { access, service } },
      context: { ip: ipValue(request.ip), method: request.method },
    },
    request.requestId,
    routeQuestionKey(caller, name, access, request),
  );
  if (decision.decision !== "allow") throw policyDenied();
}

/**
 * The route question's own short name, for a visitor or a signed-in user: every part of the
 * question is in it, split by characters none of the parts can hold (ids, role names, action
 * names, an address and a method). An API key's question (with its scopes) is named by its
 * whole serialisation instead.
 */
export function routeQuestionKey(
  caller: Principal | null,
  route: string,
  access: string,
  request: { ip: string; method: string },
): string | undefined {
  if (caller?.apiKeyId !== undefined) return undefined;
  const who = caller ? `user ${caller.id} ${caller.roles.join(",")}` : "visitor";
  return `request|${who}|${route}|${access}|${request.ip}|${request.method}`;
}
