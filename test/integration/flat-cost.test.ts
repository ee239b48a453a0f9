/**
 * Cost that stays flat as data grows: every statement a day of trade issues (checkout, the
 * keeper loops, the consumers, the admin's reads, a course taken to its certificate, search)
 * is answered from an index, on a store that already holds 100,000 orders, 20,000 products
 * and 20,000 search documents.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { PostgresStore } from "../../platform/data/postgres.store";
import type { Store } from "../../platform/data/repository";
import { SqliteStore } from "../../platform/data/sqlite.store";
import { client, createProduct, placeOrder, registerBuyer, type Client } from "../harness/http";
import { createDatabase, postgresAvailable } from "../harness/postgres";
import { preloadSearch, preloadShop } from "../harness/preload";
import { startReceiver } from "../harness/receivers";
import { postgresScans, sqliteScans, watchStatements, type Statement } from "../harness/statements";
import { startSystem, type TestSystem } from "../harness/system";
import { waitFor } from "../harness/node-process";

jest.setTimeout(600_000);

const ORDERS = 100_000;
const PRODUCTS = 20_000;
const ADMIN = { email: "flat-cost@example.com", password: "flat-cost-admin" };

/**
 * A day of trade through the API: shoppers browse, fill carts and check out (with and without
 * a key, declined, out of stock), cancel; the admin ships and reads; webhooks, events and
 * analytics run; then every background loop gets a pass.
 */
async function tradeFor(system: TestSystem, api: Client): Promise<void> {
  const admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token as string;
  const receiver = await startReceiver();
  try {
    expect(
      (
        await api.post(
          "/api/v1/webhooks",
          { url: receiver.url, events: ["orders.confirmed"] },
          { token: admin },
        )
      ).status,
    ).toBe(201);
    const lamp = await createProduct(api, admin, { sku: "FLAT-LAMP", price: 2500, stock: 50 });
    const last = await createProduct(api, admin, { sku: "FLAT-LAST", stock: 1 });
    await api.patch(`/api/v1/products/${lamp.id}`, { price: 2400 }, { token: admin });
    for (const query of [
      "",
      "?category=c7",
      "?q=lamp",
      "?sort=-price",
      "?sort=price",
      "?page=3&pageSize=20",
    ])
      expect((await api.get(`/api/v1/products${query}`)).status).toBe(200);
    await api.get(`/api/v1/products/p42`);

    const buyer = await registerBuyer(api, "flat");
    const auth = { token: buyer };
    await api.get("/api/v1/users/me", auth);
    await api.patch("/api/v1/users/me", { name: "Flat Buyer" }, auth);
    const key = await api.post("/api/v1/api-keys", { name: "shopfront", scopes: ["read"] }, auth);
    await api.get("/api/v1/api-keys", auth);
    await api.get("/api/v1/products", { apiKey: key.body.key });
    await api.delete(`/api/v1/api-keys/${key.body.id}`, auth);

    // A journey: each order enters a run, its delivery moves it, the timers loop takes it on.
    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Delivered",
        defaultLocale: "en",
        locales: { en: { inbox: { title: "Order {{ key }}", body: "Arrived?" } } },
      },
      { token: admin },
    );
    const journey = await api.post(
      "/api/v1/engagement/journeys",
      {
        name: "After delivery",
        trigger: { event: "orders.confirmed" },
        reentry: "perKey",
        status: "active",
        steps: [
          {
            type: "waitFor",
            event: "orders.delivered",
            sameKey: true,
            timeoutMinutes: 60,
            onEvent: "next",
            onTimeout: "exit",
          },
          {
            type: "send",
            template: template.body.id,
            category: "marketing",
            channels: ["inbox"],
            fallback: true,
            priority: "normal",
          },
        ],
      },
      { token: admin },
    );
    expect(journey.status).toBe(201);

    await api.request("PUT", `/api/v1/cart/items/${lamp.id}`, { quantity: 2 }, auth);
    await api.request("PUT", `/api/v1/cart/items/p7`, { quantity: 1 }, auth);
    await api.delete(`/api/v1/cart/items/p7`, auth);
    await api.get("/api/v1/cart", auth);
    const fromCart = await api.post(
      "/api/v1/orders",
      {
        fromCart: true,
        shippingAddress: { name: "F", line1: "1", city: "C", postalCode: "1", country: "DE" },
        payment: { token: "tok_visa" },
      },
      auth,
    );
    expect(fromCart.status).toBe(201);
    const keyed = { headers: { "idempotency-key": "flat-cost-1" } };
    const first = await placeOrder(api, buyer, lamp.id, keyed);
    expect(first.status).toBe(201);
    expect((await placeOrder(api, buyer, lamp.id, keyed)).body.id).toBe(first.body.id);
    expect((await placeOrder(api, buyer, lamp.id, { card: "tok_chargeDeclined" })).status).toBe(
      402,
    );
    expect((await placeOrder(api, buyer, last.id, { quantity: 2 })).status).toBe(409);
    await api.post(`/api/v1/orders/${first.body.id}/cancel`, undefined, auth);
    await api.post(`/api/v1/orders/${fromCart.body.id}/ship`, undefined, { token: admin });
    await api.post(`/api/v1/orders/${fromCart.body.id}/deliver`, undefined, { token: admin });
    await api.get("/api/v1/orders", auth);
    await api.get(`/api/v1/orders/${fromCart.body.id}`, auth);
    await api.get("/api/v1/orders?status=CONFIRMED", { token: admin });
    await api.get("/api/v1/payments", auth);

    // A segment: every profile fold then checks membership, and the sweep pages through profiles.
    const segment = await api.post(
      "/api/v1/engagement/segments",
      {
        name: "Lamp browsers",
        rule: {
          match: "all",
          conditions: [{ trait: "views", category: "c0", days: 7, op: "gte", value: 1 }],
        },
      },
      { token: admin },
    );
    expect(segment.status).toBe(201);
    await api.post(
      "/api/v1/events",
      [{ type: "product_view", productId: lamp.id }, { type: "search" }],
      auth,
    );
    await waitFor(async () => receiver.hits.length > 0, 10_000, "a webhook delivery");
    await waitFor(
      async () => (await api.get("/api/v1/notifications", auth)).body.rows?.length > 0,
      10_000,
      "the buyer's inbox",
    );
    const inbox = (await api.get("/api/v1/notifications", auth)).body.rows;
    await api.post(`/api/v1/notifications/${inbox[0].id}/read`, undefined, auth);
    for (const read of ["orders", "events", "top-products"])
      expect((await api.get(`/api/v1/analytics/${read}`, { token: admin })).status).toBe(200);
    const webhooks = (await api.get("/api/v1/webhooks", { token: admin })).body.rows;
    await api.get(`/api/v1/webhooks/${webhooks[0].id}/deliveries`, { token: admin });
    await api.get(`/api/v1/engagement/segments/${segment.body.id}/members`, { token: admin });
    await api.get(
      `/api/v1/engagement/profiles/${(await api.get("/api/v1/users/me", auth)).body.id}`,
      {
        token: admin,
      },
    );
    await api.get(`/api/v1/engagement/decisions?userId=u1`, { token: admin });
    await api.get(`/api/v1/engagement/journeys/${journey.body.id}/stats`, { token: admin });
    await api.get(`/api/v1/engagement/journeys/${journey.body.id}/runs?userId=u1`, {
      token: admin,
    });
    await api.post(
      `/api/v1/engagement/templates/${template.body.id}/preview`,
      {},
      { token: admin },
    );
    await learnFor(api, admin, auth);

    // Sweeps run every few minutes: each loop of every service gets one pass now.
    for (const service of system.broker.services)
      for (const value of Object.values(service)) if (value instanceof BackgroundLoop) value.wake();
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    await receiver.stop();
  }
}

/**
 * A course's life beside the shop: authored, published, bought and taken to its certificate;
 * searched and suggested, and listed through the shop's own query.
 */
async function learnFor(api: Client, admin: string, learner: { token: string }): Promise<void> {
  const teacher = { token: admin };
  const paid = await api.post(
    "/api/v1/courses",
    { slug: "flat-soil", title: "Soil chemistry", category: "c3", price: 900 },
    teacher,
  );
  const mod = await api.post(`/api/v1/courses/${paid.body.id}/modules`, { title: "M" }, teacher);
  const lessonIds: string[] = [];
  for (const title of ["Clay", "Humus"])
    lessonIds.push(
      (
        await api.post(
          `/api/v1/modules/${mod.body.id}/lessons`,
          { title, kind: "text", body: title },
          teacher,
        )
      ).body.id,
    );
  await api.patch(`/api/v1/courses/${paid.body.id}`, { sequential: true }, teacher);
  expect((await api.post(`/api/v1/courses/${paid.body.id}/publish`, {}, teacher)).status).toBe(200);
  await api.get("/api/v1/courses");
  const bought = await api.post(
    "/api/v1/orders",
    {
      items: [{ productId: `course-${paid.body.id}`, quantity: 1 }],
      shippingAddress: { name: "F", line1: "1", city: "C", postalCode: "1", country: "DE" },
      payment: { token: "tok_visa" },
    },
    learner,
  );
  expect(bought.status).toBe(201);
  await waitFor(
    async () =>
      (await api.get(`/api/v1/me/courses/${paid.body.id}/progress`, learner)).status === 200,
    10_000,
    "the enrolment",
  );
  await api.get(`/api/v1/courses/${paid.body.id}`, learner);
  await api.get(`/api/v1/lessons/${lessonIds[0]}`, learner);
  await api.post(`/api/v1/lessons/${lessonIds[0]}/complete`, {}, learner);
  const done = await api.post(`/api/v1/lessons/${lessonIds[1]}/complete`, {}, learner);
  expect(done.body.certificateId).toBeDefined();
  await api.get(`/api/v1/certificates/${done.body.certificateId}`);
  const free = await api.post(
    "/api/v1/courses",
    {
      slug: "flat-free",
      title: "Compost",
      category: "c3",
      price: 0,
      prerequisites: [paid.body.id],
    },
    teacher,
  );
  const freeModule = await api.post(
    `/api/v1/courses/${free.body.id}/modules`,
    { title: "M" },
    teacher,
  );
  await api.post(
    `/api/v1/modules/${freeModule.body.id}/lessons`,
    { title: "Heaps", kind: "text", body: "Heaps" },
    teacher,
  );
  await api.post(`/api/v1/courses/${free.body.id}/publish`, {}, teacher);
  expect((await api.post(`/api/v1/courses/${free.body.id}/enrol`, {}, learner)).status).toBe(200);
  await api.get("/api/v1/me/enrolments", learner);
  await waitFor(
    async () => (await api.get("/api/v1/search?q=chemstry")).body.total > 0,
    10_000,
    "the course found",
  );
  for (const query of ["?q=lamp&kind=product", "?q=clay&category=c3", "?priceMax=1000"])
    expect((await api.get(`/api/v1/search${query}`)).status).toBe(200);
  await api.get("/api/v1/search/suggest?q=chem");
  expect((await api.get("/api/v1/products?q=soil")).body.total).toBe(1);
  await api.post(`/api/v1/orders/${bought.body.id}/cancel`, undefined, learner);
}

/**
 * A listing's total counts every match of its filter: on PostgreSQL, when the filter matches
 * most of a table (every order CONFIRMED, every product active), the planner rightly reads the
 * table. It is the one statement whose cost follows the data by design, and it is named here
 * so that nothing else can hide behind it. Checkout, the loops and the consumers issue none.
 */
const LISTING_TOTAL = /^SELECT count\(\*\) AS n FROM "(orders|products)" WHERE /;

interface Case {
  name: string;
  open(): Promise<{ store: Store; env: Record<string, string>; drop(): Promise<void> }>;
  scans(statement: Statement, env: Record<string, string>): Promise<string[]>;
}

const cases: Case[] = [
  {
    name: "the embedded store (SQLite)",
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), "bazaar-flat-"));
      return {
        store: new SqliteStore(dir),
        env: { DATA_DIR: dir },
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
    // Any query that reads more than an index range, whatever the table's size.
    scans: (statement, env) => sqliteScans(path.join(env.DATA_DIR, "bazaar.sqlite"), statement),
  },
];
if (postgresAvailable())
  cases.push({
    name: "PostgreSQL",
    async open() {
      const database = await createDatabase();
      return {
        store: new PostgresStore(database.uri),
        env: { DB_URI: database.uri },
        drop: () => database.drop(),
      };
    },
    scans: async (statement, env) =>
      LISTING_TOTAL.test(statement.sql) ? [] : postgresScans(env.DB_URI, statement, 1000),
  });

describe.each(cases)("statements on a store with weeks of data: %s", (storeCase) => {
  test("When a day of trade runs, then every statement it issues is served by an index", async () => {
    const opened = await storeCase.open();
    try {
      const started = Date.now();
      await preloadShop(opened.store, ORDERS, PRODUCTS, undefined, 16);
      await preloadSearch(opened.store, PRODUCTS, 16);
      await opened.store.close();
      process.stdout.write(
        `FLAT ${storeCase.name}: ${ORDERS} orders, ${PRODUCTS} products in ${Date.now() - started} ms\n`,
      );
      if (opened.env.DB_URI) {
        const admin = new pg.Client({ connectionString: opened.env.DB_URI });
        await admin.connect();
        await admin.query("ANALYZE");
        await admin.end();
      }
      const watch = watchStatements();
      const system = await startSystem({
        ...opened.env,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        WEBHOOK_ALLOW_PRIVATE: "true",
      });
      try {
        await tradeFor(system, client(system.baseUrl));
      } finally {
        await system.stop();
        watch.stop();
      }
      const offenders: string[] = [];
      for (const statement of watch.statements.values()) {
        const scans = await storeCase.scans(statement, opened.env);
        if (scans.length) offenders.push(`${scans.join("; ")}\n    ${statement.sql}`);
      }
      process.stdout.write(
        `FLAT ${storeCase.name}: ${watch.statements.size} distinct statements explained\n`,
      );
      for (const offender of offenders)
        process.stdout.write(`FLAT ${storeCase.name}: ${offender}\n`);
      expect(watch.statements.size).toBeGreaterThan(40);
      expect(offenders).toEqual([]);
    } finally {
      await opened.drop();
    }
  });
});
