import { POLICY_SCHEMA, type PolicyQuery } from "../../contracts/policies";
import { ServiceBroker } from "moleculer";
import { NodePolicies, principalEntity } from "../../mixins/policy-client.mixin";
import { ipValue, PolicyEngine, policyProblems } from "../../platform/policy/policy-engine";
import { judgeActivation } from "../../services/policies/activation";
import { SHIPPED_POLICIES } from "../../services/policies/shipped";
import { routeQuestionKey } from "../../services/api/policy-gate";
import type { Principal } from "../../platform/actions/access";

/** The engine and the activation rules, with Cedar itself and the shipped set, no broker. */
const adminRoute = (ip: string): PolicyQuery => ({
  principal: principalEntity({ id: "usr_a", roles: ["admin"] }),
  action: "request",
  resource: {
    type: "Route",
    id: "policies.activate",
    attrs: { access: "admin", service: "policies" },
  },
  context: { ip: ipValue(ip), method: "POST" },
});
const versioned = (id: string, text: string, cases = [] as never[]) => ({
  id,
  version: 1,
  text,
  cases,
  createdAt: "",
  createdBy: "",
});

describe("Given a node's policy engine", () => {
  test("When no set is loaded, or the set loaded is broken, then every question is denied", () => {
    const engine = new PolicyEngine(POLICY_SCHEMA);
    expect(engine.ready).toBe(false);
    expect(engine.decide(adminRoute("127.0.0.1")).decision).toBe("deny");
    expect(engine.load(SHIPPED_POLICIES, 1)).toEqual([]);
    expect(engine.decide(adminRoute("127.0.0.1"))).toEqual({
      decision: "allow",
      reasons: ["routes-by-role"],
      errors: [],
    });
    expect(engine.load([{ id: "broken", text: "permit (principal" }], 2)).not.toEqual([]);
    expect([engine.ready, engine.version]).toEqual([false, 2]);
    expect(engine.decide(adminRoute("127.0.0.1")).decision).toBe("deny");
  });

  test("When the set changes, then no remembered answer outlives it, and a policy for any action still applies to each", () => {
    const engine = new PolicyEngine(POLICY_SCHEMA);
    engine.load(SHIPPED_POLICIES, 1);
    const asked = adminRoute("127.0.0.1");
    expect(engine.decide(asked).decision).toBe("allow");
    expect(engine.decide(asked).decision).toBe("allow");
    const everywhere = versioned(
      "maintenance",
      `forbid (principal, action, resource) unless { principal.roles.contains("support") };`,
    );
    engine.load([...SHIPPED_POLICIES, everywhere], 2);
    expect(engine.decide(asked)).toEqual({
      decision: "deny",
      reasons: ["maintenance"],
      errors: [],
    });
    const refundOnly = versioned(
      "no-refunds",
      `forbid (principal, action == Action::"payments.refund", resource);`,
    );
    engine.load([...SHIPPED_POLICIES, refundOnly], 3);
    expect(engine.decide(asked).decision).toBe("allow");
  });

  test("When the gateway names its route questions, then a name stands for one question only", () => {
    const engine = new PolicyEngine(POLICY_SCHEMA);
    const adminsOnly = versioned(
      "admins-only",
      `forbid (principal, action == Action::"request", resource) unless { principal.roles.contains("admin") };`,
    );
    engine.load([...SHIPPED_POLICIES, adminsOnly], 1);
    const admin: Principal = { id: "usr_a", roles: ["admin"] };
    const customer: Principal = { id: "usr_a", roles: ["customer"] };
    const keyOf = (caller: Principal | null, ip = "127.0.0.1", method = "POST") =>
      routeQuestionKey(caller, "policies.activate", "admin", { ip, method });
    const keys = [
      keyOf(admin),
      keyOf(customer),
      keyOf(null),
      keyOf(admin, "10.0.0.1"),
      keyOf(admin, "127.0.0.1", "GET"),
      keyOf({ ...admin, id: "usr_b" }),
      routeQuestionKey(admin, "policies.write", "admin", { ip: "127.0.0.1", method: "POST" }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      routeQuestionKey({ ...admin, apiKeyId: "key_1" }, "a.b", "user", { ip: "", method: "" }),
    ).toBeUndefined();
    // Asked under its name, each question gets the answer it gets asked in full.
    const asAdmin = engine.decide(adminRoute("127.0.0.1"), keyOf(admin));
    const asCustomer = engine.decide(
      { ...adminRoute("127.0.0.1"), principal: principalEntity(customer) },
      keyOf(customer),
    );
    expect([asAdmin.decision, asCustomer.decision]).toEqual([
      engine.decide(adminRoute("127.0.0.1")).decision,
      "deny",
    ]);
    expect(asAdmin.decision).toBe("allow");
  });

  test("When a policy names what the schema lacks, then the engine's message says what and where", () => {
    const problems = policyProblems(POLICY_SCHEMA, [
      {
        id: "typo",
        text: `permit (principal, action == Action::"orders.read", resource) when { resource.owner == "x" };`,
      },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^typo: .*attribute `owner` on entity type `Order` not found/),
    ]);
    expect(
      policyProblems(POLICY_SCHEMA, [
        { id: "x", text: `permit (principal, action == Action::"orders.fly", resource);` },
      ]),
    ).toHaveLength(1);
  });

  test("When an API key acts, then it is its own principal, with its owner's id and its scopes", () => {
    expect(
      principalEntity({ id: "usr_1", roles: ["customer"], apiKeyId: "key_1", scopes: ["read"] }),
    ).toEqual({
      type: "ApiKey",
      id: "key_1",
      attrs: { userId: "usr_1", roles: ["customer"], scopes: ["read"] },
    });
    expect(principalEntity(null).type).toBe("Visitor");
  });
});

describe("Given a node that follows the policies service", () => {
  test("When a broadcast comes late it is dropped, and the version check's answer is taken whatever its number", () => {
    const node = new NodePolicies(new ServiceBroker({ logger: false }));
    const set = (version: number, text: string) => ({
      version,
      policies: [{ id: "only", version: 1, text }],
    });
    const allowAll = `permit (principal, action, resource);`;
    const denyAll = `forbid (principal, action, resource);`;
    node.take(set(5, allowAll));
    node.take(set(4, denyAll));
    node.take(set(5, denyAll)); // the same version again: every service of the node hears it
    expect([node.engine.version, node.engine.decide(adminRoute("127.0.0.1")).decision]).toEqual([
      5,
      "allow",
    ]);
    // A store restored from a backup numbers its set from where it was: the service's word wins.
    node.take(set(2, denyAll), true);
    expect([node.engine.version, node.engine.decide(adminRoute("127.0.0.1")).decision]).toEqual([
      2,
      "deny",
    ]);
  });
});

describe("Given a change to the active set", () => {
  const shipped = SHIPPED_POLICIES.map((p) => ({ ...p, version: 1, createdAt: "", createdBy: "" }));

  test("When the shipped set is judged, then it is valid, its cases pass and nobody is locked out", () => {
    expect(judgeActivation(POLICY_SCHEMA, shipped, [adminRoute("127.0.0.1")])).toEqual({
      invalid: [],
      failedCases: [],
      lockedOut: [],
    });
  });

  test("When a new forbid breaks another policy's case, then the case is named", () => {
    const blunt = versioned(
      "no-refunds",
      `forbid (principal, action == Action::"payments.refund", resource);`,
    );
    const verdict = judgeActivation(POLICY_SCHEMA, [...shipped, blunt], []);
    expect(verdict.failedCases).toEqual([
      'refunds-by-owner-and-admin v1, "an admin refunds a small order": expected allow, got deny (by no-refunds)',
      'large-refunds-need-finance v1, "an admin with finance refunds a large order": expected allow, got deny (by no-refunds)',
    ]);
  });

  test("When a set would refuse its author the policy routes, then it is a lock-out", () => {
    const fence = versioned(
      "fence",
      `forbid (principal, action == Action::"request", resource) unless { context.ip.isInRange(ip("10.0.0.0/8")) };`,
    );
    expect(
      judgeActivation(POLICY_SCHEMA, [...shipped, fence], [adminRoute("127.0.0.1")]).lockedOut,
    ).toEqual(["policies.activate"]);
    expect(
      judgeActivation(POLICY_SCHEMA, [...shipped, fence], [adminRoute("10.1.2.3")]).lockedOut,
    ).toEqual([]);
  });
});
