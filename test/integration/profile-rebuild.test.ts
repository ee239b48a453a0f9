import { client, createProduct, loginToken, placeOrder, registerBuyer } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { describeWith, startNats, type RunningServer } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "rebuild-admin@example.com", password: "rebuild-admin-1" };

describeWith(["nats-server"])("profiles rebuilt from the history JetStream keeps", () => {
  let nats: RunningServer;
  let system: TestSystem;

  beforeAll(async () => {
    nats = await startNats();
    system = await startSystem({
      TRANSPORTER: nats.url,
      JWT_SECRET: "rebuild-secret-".padEnd(40, "x"),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_AUTH: "10000",
    });
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
    await nats?.stop();
  });

  test("When a profile is rebuilt, then what the user did folds back into the same traits, and their segments follow", async () => {
    const api = client(system.baseUrl);
    const admin = await loginToken(api, ADMIN);
    const product = await createProduct(api, admin, { sku: "REB-1", category: "lamps" });
    const segment = await api.post(
      "/api/v1/engagement/segments",
      {
        name: "Lamp buyers",
        rule: { match: "all", conditions: [{ trait: "purchases", op: "gte", value: 1 }] },
      },
      { token: admin },
    );
    const buyer = await registerBuyer(api, "rebuild");
    const me = (await api.get("/api/v1/users/me", { token: buyer })).body.id as string;
    const view = { type: "product_view", productId: product.id };
    await api.post("/api/v1/events", [view, view, { type: "add_to_cart", productId: product.id }], {
      token: buyer,
    });
    expect((await placeOrder(api, buyer, product.id)).status).toBe(201);
    const profile = async () =>
      (await api.get(`/api/v1/engagement/profiles/${me}`, { token: admin })).body;
    await waitFor(async () => (await profile()).purchases === 1, 10_000, "the profile");
    await waitFor(async () => (await profile()).cartAdds === 1, 10_000, "the cart add");
    const { updatedAt: _before, ...folded } = await profile();
    void _before;
    expect(folded).toMatchObject({ viewsLast7Days: { lamps: 2 }, purchases: 1 });

    const one = await api.post(`/api/v1/engagement/profiles/${me}/rebuild`, {}, { token: admin });
    expect(one.status).toBe(200);
    expect(one.body.profiles).toBe(1);
    expect(one.body.messages).toBeGreaterThanOrEqual(2);
    const { updatedAt: _after, ...rebuilt } = await profile();
    void _after;
    expect(rebuilt).toEqual(folded);
    const members = await api.get(`/api/v1/engagement/segments/${segment.body.id}/members`, {
      token: admin,
    });
    expect(members.body.rows.map((m: { userId: string }) => m.userId)).toContain(me);

    const all = await api.post("/api/v1/engagement/profiles/rebuild", {}, { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.profiles).toBeGreaterThanOrEqual(1);
    const { updatedAt: _again, ...again } = await profile();
    void _again;
    expect(again).toEqual(folded);
    expect(
      (await api.post(`/api/v1/engagement/profiles/${me}/rebuild`, {}, { token: buyer })).status,
    ).toBe(403);
  }, 60_000);
});
