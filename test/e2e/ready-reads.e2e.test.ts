import { createProduct, newAccount, placeOrder, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { freePort } from "../harness/servers";
import { startWithAdmin, type TestSystem } from "../harness/system";

/**
 * Product reads the gateway answers from the answer it holds: the same bytes as a routed read,
 * with an entity tag and 304, gone the moment the product changes, and with the caller still
 * identified, limited, and asked of the roles and policies.
 */
const ADMIN = { email: "ready-admin@example.com", password: "ready-admin-pass-1" };

let system: TestSystem;
let api: Client;
let admin: { token: string };
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  let adminToken: string;
  ({ system, api, adminToken } = await startWithAdmin(ADMIN, {
    RATE_LIMIT_API: "40",
    TRUST_PROXY_HOPS: "1",
    METRICS_PORT: String(metricsPort),
  }));
  admin = { token: adminToken };
});
afterAll(() => system.stop());

/** A client of its own address, so each test spends its own rate-limit budget. */
const from = (address: string) => ({ headers: { "x-forwarded-for": address } });

async function readyAnswers(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("bazaar_gateway_ready_answers_total{"));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("Given a product read twice", () => {
  test("When it is read again, then the held answer comes: the same body, an ETag, and 304 to a client holding it", async () => {
    const product = await createProduct(api, admin.token, { sku: "READY-1", price: 1200 });
    const first = await api.get(`/api/v1/products/${product.id}`);
    const before = await readyAnswers();
    const second = await api.get(`/api/v1/products/${product.id}`, {
      headers: { "x-request-id": "ready-read-1" },
    });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(second.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(second.headers.get("x-request-id")).toBe("ready-read-1");
    expect(second.headers.get("x-ratelimit-limit")).toBe("40");
    // Counted in the node and added to the metric once a second.
    await waitFor(async () => (await readyAnswers()) === before + 1, 5000, "the answer counted");

    const revalidated = await fetch(`${system.baseUrl}/api/v1/products/${product.id}`, {
      headers: { "if-none-match": second.headers.get("etag")! },
    });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
  });

  test("When the product's price changes, then the next read shows it, under a new ETag", async () => {
    const product = await createProduct(api, admin.token, { sku: "READY-2", price: 1500 });
    await api.get(`/api/v1/products/${product.id}`);
    const held = await api.get(`/api/v1/products/${product.id}`);
    const changed = await api.patch(`/api/v1/products/${product.id}`, { price: 1700 }, admin);
    expect(changed.status).toBe(200);
    const after = await api.get(`/api/v1/products/${product.id}`);
    expect(after.body.price).toBe(1700);
    expect(after.headers.get("etag")).not.toBe(held.headers.get("etag"));
    const stale = await fetch(`${system.baseUrl}/api/v1/products/${product.id}`, {
      headers: { "if-none-match": held.headers.get("etag")! },
    });
    expect(stale.status).toBe(200);
  });

  test("When an order takes stock, then the read shows the stock left", async () => {
    const product = await createProduct(api, admin.token, { sku: "READY-3", price: 900 });
    const stockBefore = (await api.get(`/api/v1/products/${product.id}`)).body.stock;
    await api.get(`/api/v1/products/${product.id}`);
    const buyer = await newAccount(api, "ready-buyer");
    const placed = await placeOrder(api, buyer.token, product.id);
    expect(placed.body.status).toBe("CONFIRMED");
    expect((await api.get(`/api/v1/products/${product.id}`)).body.stock).toBe(stockBefore - 1);
  });

  test("When a product is taken off sale, then the public read is 404 at once; an admin still reads it", async () => {
    const product = await createProduct(api, admin.token, { sku: "READY-4", price: 800 });
    for (let i = 0; i < 2; i++) {
      expect((await api.get(`/api/v1/products/${product.id}`)).status).toBe(200);
      expect((await api.get(`/api/v1/products/${product.id}`, admin)).status).toBe(200);
    }
    await api.patch(`/api/v1/products/${product.id}`, { active: false }, admin);
    const gone = await api.get(`/api/v1/products/${product.id}`);
    expect([gone.status, gone.body.type]).toEqual([404, "NOT_FOUND"]);
    const seen = await api.get(`/api/v1/products/${product.id}`, admin);
    expect([seen.status, seen.body.active]).toEqual([200, false]);
  });
});

describe("Given a held answer, the gateway's checks still stand", () => {
  let productId: string;
  beforeAll(async () => {
    productId = (await createProduct(api, admin.token, { sku: "READY-5", price: 700 })).id;
    await api.get(`/api/v1/products/${productId}`);
  });

  test("When a token is forged or malformed, then 401 in the documented shape, not the product", async () => {
    for (const authorization of ["Bearer not-a-token", "Basic abc"]) {
      const res = await api.get(`/api/v1/products/${productId}`, { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        name: expect.any(String),
        message: expect.any(String),
        code: 401,
        type: "UNAUTHORIZED",
      });
    }
  });

  test("When an API key reads, then it gets the held answer; a key that is not one gets 401", async () => {
    const owner = await newAccount(api, "ready-key-owner");
    const created = await api.post(
      "/api/v1/api-keys",
      { name: "reader", scopes: ["read"] },
      { token: owner.token },
    );
    expect(created.status).toBe(201);
    const before = await readyAnswers();
    const held = await api.get(`/api/v1/products/${productId}`);
    const keyed = await api.get(`/api/v1/products/${productId}`, { apiKey: created.body.key });
    expect([keyed.status, keyed.headers.get("etag")]).toEqual([200, held.headers.get("etag")]);
    // Both answered from what the gateway holds (a routed read carries the same tag).
    await waitFor(async () => (await readyAnswers()) >= before + 2, 5000, "both answers counted");
    const forged = await api.get(`/api/v1/products/${productId}`, {
      apiKey: `${created.body.prefix}-not-the-key`,
    });
    expect([forged.status, forged.body.type]).toEqual([401, "UNAUTHORIZED"]);
  });

  test("When a client is over its rate limit, then 429 with Retry-After, held answer or not", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 42; i++)
      statuses.push((await api.get(`/api/v1/products/${productId}`, from("203.0.113.9"))).status);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    const refused = await api.get(`/api/v1/products/${productId}`, from("203.0.113.9"));
    expect(refused.status).toBe(429);
    expect(refused.body.type).toBe("RATE_LIMITED");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("When a policy forbids the route, then 403 even though the answer is held", async () => {
    const written = await api.post(
      "/api/v1/policies",
      {
        id: "no-product-reads-from-lab",
        text: `forbid (principal, action == Action::"request", resource == Route::"catalog.get")
when { context.ip.isInRange(ip("198.51.100.0/24")) };`,
      },
      admin,
    );
    expect(written.status).toBe(201);
    const activated = await api.post(
      "/api/v1/policies/no-product-reads-from-lab/activate",
      { version: written.body.version },
      admin,
    );
    expect(activated.status).toBe(200);
    const denied = await api.get(`/api/v1/products/${productId}`, from("198.51.100.7"));
    expect([denied.status, denied.body.type]).toEqual([403, "POLICY_DENIED"]);
    expect((await api.get(`/api/v1/products/${productId}`, from("192.0.2.44"))).status).toBe(200);
    await api.post("/api/v1/policies/no-product-reads-from-lab/activate", { active: false }, admin);
  });
});
