import Redis from "ioredis";
import { client, uniqueEmail, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { describeWith, startRedis, type RunningServer } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

describeWith(["redis-server"])("two gateways sharing a real Redis", () => {
  let redis: RunningServer;
  let first: TestSystem;
  let second: TestSystem;
  let a: Client;
  let b: Client;
  /** A product read gateway `a` holds the answer of. */
  let heldPath = "";

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      RATE_LIMIT_AUTH: "4",
      RATE_LIMIT_API: "1000",
      CART_TTL_DAYS: "2",
    };
    first = await startSystem(env);
    second = await startSystem(env);
    a = client(first.baseUrl);
    b = client(second.baseUrl);
  });

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await redis?.stop();
  });

  const login = (api: Client, email = "nobody@example.com") =>
    api.post("/api/v1/auth/login", { email, password: "whatever-1" });

  test("When one address calls both gateways, then they share one budget", async () => {
    expect((await login(a)).status).toBe(401);
    expect((await login(b)).status).toBe(401);
    expect((await login(a)).status).toBe(401);
    const fourth = await login(b);
    expect(fourth.status).toBe(401);
    expect(fourth.headers.get("x-ratelimit-remaining")).toBe("0");
    const limitedOnA = await login(a);
    const limitedOnB = await login(b);
    expect(limitedOnA.status).toBe(429);
    expect(limitedOnB.status).toBe(429);
    expect(Number(limitedOnB.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("When a gateway answers a read it holds, then the shared budget is spent all the same", async () => {
    const product = await first.broker.call<{ id: string }, object>(
      "catalog.create",
      { sku: "REDIS-HELD", name: "Held thing", price: 100, category: "c", stock: 3 },
      { meta: { user: { id: "admin", roles: ["admin"] } } },
    );
    const path = (heldPath = `/api/v1/products/${product.id}`);
    const routed = await a.get(path);
    const held = await a.get(path);
    const elsewhere = await b.get("/api/v1/products?pageSize=1");
    expect([routed.status, held.status, elsewhere.status]).toEqual([200, 200, 200]);
    expect(held.headers.get("etag")).toBe(routed.headers.get("etag"));
    const remaining = [routed, held, elsewhere].map((r) =>
      Number(r.headers.get("x-ratelimit-remaining")),
    );
    expect(remaining).toEqual([remaining[0], remaining[0] - 1, remaining[0] - 2]);
  });

  test("When REDIS_URL is set, then a cart lives in Redis and expires after CART_TTL_DAYS", async () => {
    const product = await first.broker.call<{ id: string }, object>(
      "catalog.create",
      { sku: "REDIS-CART", name: "Cart thing", price: 100, category: "c", stock: 3 },
      { meta: { user: { id: "admin", roles: ["admin"] } } },
    );
    const buyer = await first.broker.call<{ token: string; user: { id: string } }, object>(
      "users.register",
      { email: uniqueEmail("cart"), password: "correct-horse", name: "C" },
    );
    const put = await a.request(
      "PUT",
      `/api/v1/cart/items/${product.id}`,
      { quantity: 2 },
      { token: buyer.token },
    );
    expect(put.status).toBe(200);
    const probe = new Redis(redis.url);
    try {
      const key = `bazaar:cart:${buyer.user.id}`;
      expect(await probe.hget(key, product.id)).toBe("2");
      const ttl = await probe.ttl(key);
      expect(ttl).toBeGreaterThan(2 * 86_400 - 60);
      expect(ttl).toBeLessThanOrEqual(2 * 86_400);
    } finally {
      probe.disconnect();
    }
    const cart = await a.get("/api/v1/cart", { token: buyer.token });
    expect(cart.body.items).toEqual([
      expect.objectContaining({ productId: product.id, quantity: 2, available: true }),
    ]);
  });

  test("When readiness is asked, then Redis is among the checks", async () => {
    const ready = await a.get("/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.checks.redis).toBe("up");
  });

  test("When Redis goes away, then rate-limited routes answer 503 quickly and readiness goes down; when it returns, all recovers", async () => {
    await redis.pause();
    const started = Date.now();
    const res = await a.get("/api/v1/users/me");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    expect(res.body.type).toBe("SERVICE_UNAVAILABLE");
    // A read the gateway holds still spends the budget first: with no budget to spend, 503.
    const held = await a.get(heldPath);
    expect([held.status, held.body.type]).toEqual([503, "SERVICE_UNAVAILABLE"]);
    const ready = await a.get("/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toBe("down");
    expect((await a.get("/health/live")).status).toBe(200);

    await redis.resume();
    await waitFor(async () => (await a.get("/health/ready")).status === 200, 15_000, "readiness");
    const reg = await a.post("/api/v1/auth/register", {
      email: uniqueEmail(),
      password: "correct-horse",
      name: "Back",
    });
    // Redis keeps nothing on disk here: the spent budget went with the old process.
    expect(reg.status).toBe(201);
    const me = await a.get("/api/v1/users/me");
    expect(me.status).toBe(401);
  });
});
