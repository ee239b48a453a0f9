import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, TEST_ADDRESS, type Client } from "../harness/http";
import { startNodeProcess, waitFor, type NodeProcess } from "../harness/node-process";
import { freePort } from "../harness/servers";

/**
 * The README's "Try it", walked as a newcomer would on a fresh node started as `npm start`
 * starts one (no servers, demo catalog, first admin from the environment, quiet hours off so it
 * works at any hour): every promised result is reached, and the node logs nothing an operator
 * would have to look at.
 */
const ADMIN = { email: "admin@example.com", password: "admin-password-1" };
/** The one warning an embedded node gives on purpose: a secret generated for a laptop. */
const EXPECTED_WARNING = /JWT_SECRET is not set: generated one/;

let node: NodeProcess;
let dataDir: string;
let api: Client;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-readme-"));
  const port = await freePort();
  node = startNodeProcess({
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_PORT: String(await freePort()),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_DEMO_CATALOG: "true",
    QUIET_HOURS: "off",
    LOG_LEVEL: "info",
  });
  api = client(`http://127.0.0.1:${port}`);
  await waitFor(
    async () => (await api.get("/health")).body?.status === "up",
    60_000,
    "the node",
  ).catch((err) => {
    throw new Error(`${err.message}\n${node.output()}`);
  });
  await api.followContract();
}, 90_000);

afterAll(async () => {
  await node?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("When a newcomer walks the README's Try it, then every promised result is there and the node logs nothing above INFO", async () => {
  const shopper = await api.post("/api/v1/auth/register", {
    email: "shopper@example.com",
    password: "correct-horse",
    name: "Shopper",
  });
  expect(shopper.status).toBe(201);
  const auth = { token: shopper.body.token as string };
  const me = await api.get("/api/v1/users/me", auth);
  expect(me.body).toMatchObject({ email: "shopper@example.com", roles: ["customer"] });
  const key = await api.post("/api/v1/api-keys", { name: "ci", scopes: ["read"] }, auth);
  expect(key.status).toBe(201);
  expect((await api.get("/health/ready")).status).toBe(200);

  // Shopping: the lamp, found by the listing and by a search with a typo.
  const lamps = await api.get("/api/v1/products?q=lamp");
  const product = lamps.body.rows[0].id as string;
  expect(lamps.body.rows[0].name).toBe("Desk lamp");
  const order = (productId: string, card = "tok_visa", headers?: Record<string, string>) =>
    api.post(
      "/api/v1/orders",
      {
        items: [{ productId, quantity: 1 }],
        payment: { token: card },
        shippingAddress: TEST_ADDRESS,
      },
      { ...auth, headers },
    );
  const first = await order(product, "tok_visa", { "idempotency-key": "first-order" });
  expect(first.body.status).toBe("CONFIRMED");
  expect((await order(product, "tok_processingError")).status).toBe(503);
  expect((await api.get("/api/v1/search?q=lamb")).body.rows[0].title).toBe("Desk lamp");
  // The demo courses reach the index through their channel, within moments of the start.
  await waitFor(
    async () => (await api.get("/api/v1/search/suggest?q=pho")).body.suggestions.length > 0,
    10_000,
    "a suggestion for pho",
  );

  // Courses: the paid one waits for the free one; the free one ends in a certificate.
  const courses = (await api.get("/api/v1/courses")).body.rows as {
    id: string;
    price: number;
    productId: string;
  }[];
  const basics = courses.find((c) => c.price === 0)!;
  const paid = courses.find((c) => c.price > 0)!;
  const early = await order(paid.productId);
  expect([early.status, early.body.type]).toEqual([409, "PREREQUISITES_NOT_MET"]);
  expect((await api.post(`/api/v1/courses/${basics.id}/enrol`, {}, auth)).status).toBe(200);
  const outline = (await api.get(`/api/v1/courses/${basics.id}`, auth)).body;
  let last: { body: { certificateId?: string } } = { body: {} };
  for (const module of outline.modules)
    for (const lesson of module.lessons)
      last = await api.post(`/api/v1/lessons/${lesson.id}/complete`, {}, auth);
  const certificate = await api.get(`/api/v1/certificates/${last.body.certificateId}`);
  expect(certificate.body).toMatchObject({ holderName: "Shopper" });
  expect((await order(paid.productId)).status).toBe(201);
  expect((await api.get("/api/v1/me/enrolments", auth)).body.total).toBe(2);
  expect((await api.put("/api/v1/me/preferences", { off: { cart: ["email"] } }, auth)).status).toBe(
    200,
  );

  // As the admin: a segment, a template, a journey; the shopper walks into the segment.
  const admin = {
    token: (await api.post("/api/v1/auth/login", ADMIN)).body.token as string,
  };
  const segment = await api.post(
    "/api/v1/engagement/segments",
    {
      name: "Home browsers",
      rule: {
        match: "all",
        conditions: [{ trait: "views", category: "home", days: 7, op: "gte", value: 3 }],
      },
    },
    admin,
  );
  expect(segment.status).toBe(201);
  const template = await api.post(
    "/api/v1/engagement/templates",
    {
      name: "Hello",
      defaultLocale: "en",
      locales: {
        en: {
          inbox: {
            title: "Hi {{ user.name }}",
            body: "Still thinking about it? {{ shopUrl | track }}",
          },
        },
      },
    },
    admin,
  );
  expect(template.status).toBe(201);
  const preview = await api.post(
    `/api/v1/engagement/templates/${template.body.id}/preview`,
    { userId: me.body.id },
    admin,
  );
  expect(preview.body.messages.inbox.title).toBe("Hi Shopper");
  const journey = await api.post(
    "/api/v1/engagement/journeys",
    {
      name: "Nudge browsers",
      status: "active",
      reentry: "once",
      trigger: { segment: segment.body.id },
      steps: [
        { type: "send", template: template.body.id, category: "marketing", channels: ["inbox"] },
      ],
    },
    admin,
  );
  expect(journey.status).toBe(201);
  for (let i = 0; i < 3; i++)
    expect(
      (await api.post("/api/v1/events", [{ type: "product_view", productId: product }], auth))
        .status,
    ).toBe(202);
  const profile = () => api.get(`/api/v1/engagement/profiles/${me.body.id}`, admin);
  await waitFor(
    async () => (await profile()).body.viewsLast7Days?.home === 3,
    10_000,
    "3 views of home in the profile",
  );
  await waitFor(
    async () =>
      (await api.get("/api/v1/notifications", auth)).body.rows.some(
        (n: { title: string }) => n.title === "Hi Shopper",
      ),
    15_000,
    "the journey's message",
  );

  const loud = node
    .output()
    .split("\n")
    .filter((line) => /\b(WARN|ERROR|FATAL)\b/.test(line) && !EXPECTED_WARNING.test(line));
  expect(loud).toEqual([]);
}, 120_000);
