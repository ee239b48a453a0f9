import { createProduct, newAccount, placeOrder, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { startWithAdmin, type TestSystem } from "../harness/system";

/**
 * The audit log, as an admin reads it: every privileged or money-moving act leaves exactly one
 * record, written with the act, with who, what, when, the request, and before and after.
 */
const ADMIN = { email: "audit-admin@example.com", password: "audit-admin-pass-1" };

let system: TestSystem;
let api: Client;
let admin: string;
let adminId: string;

beforeAll(async () => {
  ({
    system,
    api,
    adminToken: admin,
  } = await startWithAdmin(ADMIN, {
    WEBHOOK_ALLOW_PRIVATE: "true",
  }));
  adminId = (await api.get("/api/v1/users/me", { token: admin })).body.id;
});
afterAll(() => system.stop());

/** The records of an act on a target, once the log has them (it follows the act's outbox). */
async function recordsOf(action: string, target: string, count = 1): Promise<any[]> {
  let rows: any[] = [];
  await waitFor(
    async () => {
      const res = await api.get(`/api/v1/audit?action=${action}&target=${target}`, {
        token: admin,
      });
      rows = res.body.rows;
      return rows.length >= count;
    },
    10_000,
    `${action} on ${target}`,
  );
  // Nothing more comes: a redelivered act is still one record.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const settled = (
    await api.get(`/api/v1/audit?action=${action}&target=${target}`, { token: admin })
  ).body.rows;
  expect(settled).toHaveLength(count);
  return settled;
}

describe("Given an admin and the acts the audit log keeps", () => {
  test("When an admin grants roles, then one record says who, to whom, the request, and the roles before and after", async () => {
    const user = await newAccount(api, "audited");
    const res = await api.put(
      `/api/v1/users/${user.id}/roles`,
      { roles: ["customer", "instructor"] },
      { token: admin, headers: { "x-request-id": "grant-request-1" } },
    );
    expect(res.status).toBe(200);
    const [record] = await recordsOf("users.roles_set", user.id);
    expect(record).toMatchObject({
      action: "users.roles_set",
      actor: { kind: "user", id: adminId },
      target: { kind: "user", id: user.id },
      requestId: "grant-request-1",
      before: { roles: ["customer"] },
      after: { roles: ["customer", "instructor"] },
    });
  });

  test("When a user makes and revokes an API key, then each is one record, without the key or its hash", async () => {
    const user = await newAccount(api, "keyholder");
    const made = await api.post("/api/v1/api-keys", { name: "ci", scopes: ["read"] }, user);
    expect(made.status).toBe(201);
    const [created] = await recordsOf("users.api_key_created", made.body.id);
    expect(created).toMatchObject({
      actor: { kind: "user", id: user.id },
      after: { name: "ci", scopes: ["read"], prefix: made.body.prefix },
    });
    expect(JSON.stringify(created)).not.toContain(made.body.key);
    expect(created.after).not.toHaveProperty("hash");
    expect((await api.delete(`/api/v1/api-keys/${made.body.id}`, user)).status).toBe(204);
    const [revoked] = await recordsOf("users.api_key_revoked", made.body.id);
    expect(revoked.after.revokedAt).toBeTruthy();
  });

  test("When a price changes, then one record has the old and new price; an edit that keeps the price has none", async () => {
    const product = await createProduct(api, admin, { sku: "AUDIT-PRICE", price: 1200 });
    await api.patch(`/api/v1/products/${product.id}`, { name: "Renamed" }, asAdminNow());
    await api.patch(`/api/v1/products/${product.id}`, { price: 1500 }, asAdminNow());
    const [record] = await recordsOf("catalog.price_changed", product.id);
    expect(record).toMatchObject({
      before: { price: 1200 },
      after: { price: 1500 },
      actor: { id: adminId },
    });
  });

  test("When an admin's API key changes a price, then the record names the key and its owner, and either finds it", async () => {
    const product = await createProduct(api, admin, { sku: "AUDIT-KEY", price: 300 });
    const made = await api.post(
      "/api/v1/api-keys",
      { name: "pricing", scopes: ["read", "write", "admin"] },
      asAdminNow(),
    );
    const changed = await api.patch(
      `/api/v1/products/${product.id}`,
      { price: 350 },
      { apiKey: made.body.key },
    );
    expect(changed.status).toBe(200);
    const [record] = await recordsOf("catalog.price_changed", product.id);
    expect(record.actor).toEqual({ kind: "api_key", id: made.body.id, userId: adminId });
    for (const actor of [made.body.id, adminId]) {
      const found = await api.get(
        `/api/v1/audit?actor=${actor}&action=catalog.price_changed&target=${product.id}`,
        asAdminNow(),
      );
      expect([actor, found.body.rows.map((r: any) => r.id)]).toEqual([actor, [record.id]]);
    }
  });

  test("When an admin cancels a customer's order, then the cancellation and its refund are one record each; the customer's own cancel is none", async () => {
    const product = await createProduct(api, admin, { sku: "AUDIT-ORDER", price: 700 });
    const buyer = await newAccount(api, "audited-buyer");
    const order = await placeOrder(api, buyer.token, product.id);
    expect(order.body.status).toBe("CONFIRMED");
    const cancelled = await api.post(`/api/v1/orders/${order.body.id}/cancel`, {}, asAdminNow());
    expect(cancelled.status).toBe(200);
    const [record] = await recordsOf("orders.cancelled_by_admin", order.body.id);
    expect(record).toMatchObject({
      actor: { id: adminId },
      before: { status: "CONFIRMED" },
      after: { status: "CANCELLED" },
    });
    const [refund] = await recordsOf("payments.refunded", order.body.id);
    expect(refund.after).toMatchObject({ refunded: 700, amount: 700 });

    const own = await placeOrder(api, buyer.token, product.id);
    await api.post(`/api/v1/orders/${own.body.id}/cancel`, {}, buyer);
    await recordsOf("payments.refunded", own.body.id);
    expect(
      (
        await api.get(
          `/api/v1/audit?action=orders.cancelled_by_admin&target=${own.body.id}`,
          asAdminNow(),
        )
      ).body.rows,
    ).toEqual([]);
  });

  test("When a webhook is made and stopped, then each is one record, and its secret is in neither", async () => {
    const made = await api.post(
      "/api/v1/webhooks",
      { url: "http://127.0.0.1:9/hook", events: ["orders.confirmed"], secret: "s".repeat(32) },
      asAdminNow(),
    );
    expect(made.status).toBe(201);
    const [created] = await recordsOf("notifications.webhook_created", made.body.id);
    expect(created.after).toEqual({
      url: "http://127.0.0.1:9/hook",
      events: ["orders.confirmed"],
      active: true,
    });
    expect(JSON.stringify(created)).not.toContain("s".repeat(32));
    expect((await api.delete(`/api/v1/webhooks/${made.body.id}`, asAdminNow())).status).toBe(204);
    await recordsOf("notifications.webhook_removed", made.body.id);
  });

  test("When the log is read, then it is the admin's alone, filtered as asked, and has no way to change a record", async () => {
    const mine = await api.get(`/api/v1/audit?actor=${adminId}&pageSize=100`, asAdminNow());
    expect(mine.status).toBe(200);
    expect(mine.body.rows.length).toBeGreaterThan(3);
    // The admin's acts, whether signed in or through their key.
    expect(mine.body.rows.every((r: any) => (r.actor.userId ?? r.actor.id) === adminId)).toBe(true);
    const times = mine.body.rows.map((r: any) => r.at);
    expect(times).toEqual([...times].sort().reverse());
    const future = await api.get(
      `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      asAdminNow(),
    );
    expect(future.body.rows).toEqual([]);

    const customer = await newAccount(api, "audit-reader");
    expect((await api.get("/api/v1/audit", customer)).status).toBe(403);
    expect((await api.get("/api/v1/audit")).status).toBe(401);
    expect((await api.get("/api/v1/audit?action=users.everything", asAdminNow())).status).toBe(422);
    expect((await api.get("/api/v1/audit?from=yesterday", asAdminNow())).status).toBe(422);
    expect((await api.get("/api/v1/audit?actor=..%2Fx", asAdminNow())).status).toBe(422);
    const id = mine.body.rows[0].id;
    expect([404, 405]).toContain((await api.delete(`/api/v1/audit/${id}`, asAdminNow())).status);
    expect([404, 405]).toContain((await api.patch(`/api/v1/audit/${id}`, {}, asAdminNow())).status);
  });
});

function asAdminNow() {
  return { token: admin };
}
