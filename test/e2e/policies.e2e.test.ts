import http from "node:http";
import { createProduct, newAccount, placeOrder, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { startWithAdmin, type TestSystem } from "../harness/system";

/**
 * Policies over HTTP: each shipped rule allowed and denied with its reason in the decision log,
 * an admin's new rules checked, tested, activated, rolled back; a broken set closes the node.
 */
const ADMIN = { email: "policy-admin@example.com", password: "policy-admin-pass-1" };

let system: TestSystem;
let api: Client;
let admin: { token: string };

beforeAll(async () => {
  let adminToken: string;
  ({ system, api, adminToken } = await startWithAdmin(ADMIN));
  admin = { token: adminToken };
});
afterAll(() => system.stop());

const ip = (address: string) => ({ __extn: { fn: "ip", arg: address } });

/** A denial of `action` in the decision log, once the node has sent it. */
async function loggedDenial(action: string, resource: string): Promise<any> {
  let found: any;
  await waitFor(
    async () => {
      const log = await api.get(`/api/v1/policies/decisions?decision=deny&action=${action}`, admin);
      found = log.body.rows.find((row: any) => row.resource === resource);
      return !!found;
    },
    10_000,
    `the denial of ${action} on ${resource}`,
  );
  return found;
}

/** A GET from another loopback address: a caller on a network the allow-list may leave out. */
function getFrom(localAddress: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      system.baseUrl + path,
      { localAddress, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
  });
}

async function orderOf(
  price: number,
  sku: string,
): Promise<{ id: string; owner: { id: string; token: string } }> {
  const product = await createProduct(api, admin.token, { sku, price });
  const owner = await newAccount(api, `owner-${sku}`);
  const placed = await placeOrder(api, owner.token, product.id);
  expect(placed.body.status).toBe("CONFIRMED");
  return { id: placed.body.id, owner };
}

describe("Given the shipped policies", () => {
  test("When support reads a customer's order, then it is allowed; cancelling it is refused, with the policy in the log", async () => {
    const order = await orderOf(500, "POL-SUPPORT");
    const support = await newAccount(api, "support", { roles: ["support"], admin: admin.token });
    expect((await api.get(`/api/v1/orders/${order.id}`, support)).status).toBe(200);
    const stranger = await newAccount(api, "stranger");
    expect((await api.get(`/api/v1/orders/${order.id}`, stranger)).status).toBe(404);

    const cancel = await api.post(`/api/v1/orders/${order.id}/cancel`, {}, support);
    expect([cancel.status, cancel.body.type]).toEqual([403, "POLICY_DENIED"]);
    expect((await api.get(`/api/v1/orders/${order.id}`, order.owner)).body.status).toBe(
      "CONFIRMED",
    );
    const denial = await loggedDenial("orders.cancel", `Order::${order.id}`);
    expect(denial).toMatchObject({
      principal: `User::${support.id}`,
      reasons: ["support-reads-but-does-not-cancel"],
    });
  });

  test("When an admin refunds a large order, then it needs the finance role; a small one does not", async () => {
    const large = await orderOf(150_000, "POL-LARGE");
    const refused = await api.post(`/api/v1/orders/${large.id}/cancel`, {}, admin);
    expect([refused.status, refused.body.type]).toEqual([403, "POLICY_DENIED"]);
    const denial = await loggedDenial("payments.refund", `Refund::${large.id}`);
    expect(denial.reasons).toEqual(["large-refunds-need-finance"]);

    const finance = await newAccount(api, "finance", {
      roles: ["admin", "finance"],
      admin: admin.token,
    });
    const refunded = await api.post(`/api/v1/orders/${large.id}/cancel`, {}, finance);
    expect([refunded.status, refunded.body.status]).toEqual([200, "CANCELLED"]);
    const small = await orderOf(900, "POL-SMALL");
    expect((await api.post(`/api/v1/orders/${small.id}/cancel`, {}, admin)).status).toBe(200);
  });

  test("When an instructor edits their own course, then it is allowed; another's is not found, and the denial names the rule", async () => {
    const teacher = await newAccount(api, "teacher", { roles: ["instructor"], admin: admin.token });
    const other = await newAccount(api, "other-teacher", {
      roles: ["instructor"],
      admin: admin.token,
    });
    const course = await api.post(
      "/api/v1/courses",
      { slug: "policy-course", title: "Policy course", category: "policies", price: 0 },
      teacher,
    );
    expect(course.status).toBe(201);
    expect(
      (await api.patch(`/api/v1/courses/${course.body.id}`, { title: "Mine" }, teacher)).status,
    ).toBe(200);
    expect(
      (await api.patch(`/api/v1/courses/${course.body.id}`, { title: "Theirs" }, other)).status,
    ).toBe(404);
    const denial = await loggedDenial("courses.edit", `Course::${course.body.id}`);
    expect(denial).toMatchObject({
      principal: `User::${other.id}`,
      reasons: ["instructors-edit-only-their-own"],
    });
  });

  test("When an admin asks the engine a question, then the answer carries the deciding policies and the set's version", async () => {
    const res = await api.post(
      "/api/v1/policies/evaluate",
      {
        principal: { type: "User", id: "usr_x", attrs: { userId: "usr_x", roles: ["support"] } },
        action: "orders.cancel",
        resource: {
          type: "Order",
          id: "ord_x",
          attrs: { ownerId: "usr_y", total: 1, currency: "EUR", status: "CONFIRMED" },
        },
      },
      admin,
    );
    expect(res.body).toMatchObject({
      decision: "deny",
      reasons: ["support-reads-but-does-not-cancel"],
    });
    const unknown = await api.post(
      "/api/v1/policies/evaluate",
      {
        principal: { type: "User", id: "u" },
        action: "orders.fly",
        resource: { type: "Order", id: "o" },
      },
      admin,
    );
    expect([unknown.status, unknown.body.type]).toEqual([422, "POLICY_INVALID"]);
  });
});

describe("Given a node's health page", () => {
  test("When an admin reads it, then it tells the node's profile and the policy and flag versions it decides with; others see none of it", async () => {
    const { version } = (await api.get("/api/v1/policies", admin)).body;
    const seen = await api.get("/health", admin);
    expect(seen.body.node).toMatchObject({
      profile: { name: "production", rateLimits: 1, timeouts: 1 },
      policies: { version, ready: true },
      flags: { version: expect.any(Number) },
    });
    expect((await api.get("/health")).body.node).toBeUndefined();
    const customer = await newAccount(api, "curious");
    expect((await api.get("/health", customer)).body.node).toBeUndefined();
    expect((await api.get("/health", { token: "not-a-token" })).status).toBe(401);
  });
});

describe("Given an admin who writes policies", () => {
  test("When a policy is invalid, then it is refused with the engine's message and nothing is stored", async () => {
    const typo = await api.post(
      "/api/v1/policies",
      {
        id: "typo",
        text: `permit (principal, action == Action::"request", resource) when { resource.acess == "admin" };`,
      },
      admin,
    );
    expect([typo.status, typo.body.type]).toEqual([422, "POLICY_INVALID"]);
    expect(typo.body.message).toMatch(/attribute `acess` on entity type `Route` not found/);
    const garbled = await api.post(
      "/api/v1/policies",
      { id: "garbled", text: "permit (principal action resource);" },
      admin,
    );
    expect([garbled.status, garbled.body.type]).toEqual([422, "POLICY_INVALID"]);
    const two = await api.post(
      "/api/v1/policies",
      {
        id: "two",
        text: "permit (principal, action, resource); forbid (principal, action, resource);",
      },
      admin,
    );
    expect(two.status).toBe(422);
    for (const bad of [
      { id: "Bad Id", text: "x" },
      { id: "ok", text: "" },
      { id: "ok", text: "permit (principal, action, resource);", extra: 1 },
    ])
      expect((await api.post("/api/v1/policies", bad, admin)).status).toBe(422);
    const ids = (await api.get("/api/v1/policies", admin)).body.rows.map((r: any) => r.id);
    expect(ids).not.toEqual(expect.arrayContaining(["typo"]));
    expect(ids).not.toContain("garbled");
    expect(ids).not.toContain("two");
  });

  test("When a request is wrong, then it is a clear 4xx and nothing changes", async () => {
    const before = (await api.get("/api/v1/policies", admin)).body;
    const customer = await newAccount(api, "not-an-admin");
    const text = `permit (principal, action == Action::"request", resource);`;
    expect((await api.post("/api/v1/policies", { id: "mine", text }, customer)).status).toBe(403);
    const badCase = await api.post(
      "/api/v1/policies",
      {
        id: "bad-case",
        text,
        cases: [
          {
            name: "a route without its attributes",
            principal: { type: "User", id: "u", attrs: { userId: "u", roles: [] } },
            action: "request",
            resource: { type: "Route", id: "users.me" },
            expect: "allow",
          },
        ],
      },
      admin,
    );
    expect([badCase.status, badCase.body.type]).toEqual([422, "POLICY_INVALID"]);
    expect(badCase.body.message).toMatch(
      /^These cases do not fit the schema: "a route without its attributes"/,
    );
    const unknown = await api.post("/api/v1/policies/no-such-policy/activate", {}, admin);
    expect(unknown.status).toBe(404);
    const noVersion = await api.post(
      "/api/v1/policies/routes-by-role/activate",
      { version: 99 },
      admin,
    );
    expect(noVersion.status).toBe(404);
    expect((await api.post("/api/v1/policies/Bad%20Id/activate", {}, admin)).status).toBe(422);
    expect((await api.get("/api/v1/policies/decisions?from=2026-13-45", admin)).status).toBe(422);
    expect((await api.get("/api/v1/policies/decisions", customer)).status).toBe(403);
    const after = (await api.get("/api/v1/policies", admin)).body;
    expect(after.version).toBe(before.version);
    expect(after.rows.map((r: any) => r.id)).toEqual(before.rows.map((r: any) => r.id));
  });

  test("When a version's test cases fail, then it cannot be activated and the active set is unchanged", async () => {
    const before = (await api.get("/api/v1/policies", admin)).body;
    const forgetful = await api.post(
      "/api/v1/policies",
      {
        id: "large-refunds-need-finance",
        text: `forbid (principal, action == Action::"payments.refund", resource is Refund) when { resource.amount > 100000 };`,
        cases: [
          {
            name: "finance refunds a large order",
            principal: {
              type: "User",
              id: "usr_f",
              attrs: { userId: "usr_f", roles: ["admin", "finance"] },
            },
            action: "payments.refund",
            resource: {
              type: "Refund",
              id: "ord_1",
              attrs: { ownerId: "usr_c", amount: 250000, currency: "EUR" },
            },
            expect: "allow",
          },
        ],
      },
      admin,
    );
    expect(forgetful.status).toBe(201);
    const activation = await api.post(
      "/api/v1/policies/large-refunds-need-finance/activate",
      { version: forgetful.body.version },
      admin,
    );
    expect([activation.status, activation.body.type]).toEqual([422, "POLICY_CASES_FAILED"]);
    expect(activation.body.message).toContain("finance refunds a large order");
    const after = (await api.get("/api/v1/policies", admin)).body;
    expect(after.version).toBe(before.version);
    expect(after.rows.find((r: any) => r.id === "large-refunds-need-finance").activeVersion).toBe(
      1,
    );
  });

  test("When a version is activated and rolled back, then each decides at once, and both changes are audited", async () => {
    const raised = await api.post(
      "/api/v1/policies",
      {
        id: "large-refunds-need-finance",
        description: "Over 5,000.00",
        text: `forbid (principal, action == Action::"payments.refund", resource is Refund)
when { resource.amount > 500000 && resource.ownerId != principal.userId }
unless { principal.roles.contains("finance") };`,
      },
      admin,
    );
    const activated = await api.post(
      "/api/v1/policies/large-refunds-need-finance/activate",
      { version: raised.body.version },
      admin,
    );
    expect(activated.status).toBe(200);
    const first = await orderOf(150_000, "POL-RAISED");
    expect((await api.post(`/api/v1/orders/${first.id}/cancel`, {}, admin)).status).toBe(200);

    const rolledBack = await api.post(
      "/api/v1/policies/large-refunds-need-finance/activate",
      { version: 1 },
      admin,
    );
    expect(rolledBack.body.version).toBe(activated.body.version + 1);
    const second = await orderOf(150_000, "POL-ROLLED");
    expect((await api.post(`/api/v1/orders/${second.id}/cancel`, {}, admin)).status).toBe(403);

    await waitFor(
      async () =>
        (
          await api.get(
            "/api/v1/audit?action=policies.activated&target=large-refunds-need-finance",
            admin,
          )
        ).body.rows.length === 2,
      10_000,
      "two audit records",
    );
    const [latest] = (
      await api.get(
        "/api/v1/audit?action=policies.activated&target=large-refunds-need-finance",
        admin,
      )
    ).body.rows;
    expect(latest).toMatchObject({
      before: { version: raised.body.version },
      after: { version: 1 },
    });

    // The list shows the active version and the newest; one policy's history shows them all.
    const versionsOf = (rows: any[]) =>
      rows.find((r) => r.id === "large-refunds-need-finance").versions.map((v: any) => v.version);
    const listed = (await api.get("/api/v1/policies", admin)).body.rows;
    expect(versionsOf(listed)).toEqual([raised.body.version, 1]);
    const history = await api.get("/api/v1/policies?id=large-refunds-need-finance", admin);
    expect(history.body.rows).toHaveLength(1);
    expect(versionsOf(history.body.rows)).toEqual([raised.body.version, 2, 1]);
    expect(history.body.rows[0]).toMatchObject({
      activeVersion: 1,
      latestVersion: raised.body.version,
    });
  });

  test("When admin routes are allowed only from one network, then an admin elsewhere is refused, and a set that would lock its author out is refused", async () => {
    const lockout = await api.post(
      "/api/v1/policies",
      {
        id: "admin-networks",
        text: `forbid (principal, action == Action::"request", resource) when { resource.access == "admin" } unless { context.ip.isInRange(ip("10.0.0.0/8")) };`,
      },
      admin,
    );
    const refused = await api.post(
      "/api/v1/policies/admin-networks/activate",
      { version: lockout.body.version },
      admin,
    );
    expect([refused.status, refused.body.type]).toEqual([422, "POLICY_LOCKOUT"]);

    const loopbackOnly = await api.post(
      "/api/v1/policies",
      {
        id: "admin-networks",
        text: `forbid (principal, action == Action::"request", resource) when { resource.access == "admin" } unless { context.ip.isInRange(ip("127.0.0.1/32")) };`,
        cases: [
          {
            name: "an admin from elsewhere",
            principal: { type: "User", id: "usr_a", attrs: { userId: "usr_a", roles: ["admin"] } },
            action: "request",
            resource: {
              type: "Route",
              id: "audit.list",
              attrs: { access: "admin", service: "audit" },
            },
            context: { ip: ip("192.0.2.7"), method: "GET" },
            expect: "deny",
          },
        ],
      },
      admin,
    );
    expect((await api.post("/api/v1/policies/admin-networks/activate", {}, admin)).status).toBe(
      200,
    );
    expect(loopbackOnly.body.version).toBe(2);
    expect(await getFrom("127.0.0.1", "/api/v1/audit", admin.token)).toBe(200);
    expect(await getFrom("127.0.0.2", "/api/v1/audit", admin.token)).toBe(403);
    // A customer's own routes are not admin routes: the rule leaves them be.
    expect(await getFrom("127.0.0.2", "/api/v1/users/me", admin.token)).toBe(200);
    const denial = await loggedDenial("request", "Route::audit.list");
    expect(denial.reasons).toEqual(["admin-networks"]);

    const off = await api.post(
      "/api/v1/policies/admin-networks/activate",
      { active: false },
      admin,
    );
    expect(off.status).toBe(200);
    expect(await getFrom("127.0.0.2", "/api/v1/audit", admin.token)).toBe(200);
  });

  test("When a stored policy is corrupted, then the node is not ready and refuses requests until the set is mended", async () => {
    const policies = system.broker.getLocalService("policies") as unknown as {
      repos: Record<
        string,
        { updateOne(f: object, u: object): Promise<number>; findById(id: string): Promise<any> }
      >;
    };
    const key = "routes-by-role@1";
    const held = await policies.repos.policy_versions.findById(key);
    const state = await policies.repos.policy_state.findById("active");
    await policies.repos.policy_versions.updateOne(
      { id: key },
      { $set: { text: "permit (principal action" } },
    );
    await policies.repos.policy_state.updateOne(
      { id: "active" },
      { $set: { version: state.version + 1 } },
    );
    await waitFor(async () => (await api.get("/health/ready")).status === 503, 5000, "unready");
    const refused = await api.get("/api/v1/users/me", admin);
    expect(refused.status).toBe(503);

    await policies.repos.policy_versions.updateOne({ id: key }, { $set: { text: held.text } });
    await policies.repos.policy_state.updateOne(
      { id: "active" },
      { $set: { version: state.version + 2 } },
    );
    await waitFor(async () => (await api.get("/health/ready")).status === 200, 5000, "ready again");
    expect((await api.get("/api/v1/users/me", admin)).status).toBe(200);
  });
});
