import { hostname } from "node:os";
import http from "node:http";
import { ALL_SERVICES } from "../../app/settings";
import { client, uniqueEmail, type Client } from "../harness/http";
import { freePort } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "ops@example.com", password: "ops-password-1" };

async function registerUser(api: Client, ip: string) {
  const res = await api.post(
    "/api/v1/auth/register",
    { email: uniqueEmail(), password: "correct-horse", name: "Bo" },
    { headers: { "x-forwarded-for": ip } },
  );
  expect(res.status).toBe(201);
  return res.body as { token: string; user: { id: string } };
}

describe("a gateway with small limits", () => {
  let system: TestSystem;
  let api: Client;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    system = await startSystem({
      RATE_LIMIT_AUTH: "3",
      RATE_LIMIT_API: "5",
      TRUST_PROXY_HOPS: "1",
      CORS_ORIGINS: "https://shop.example.com",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ADMIN_IP_ALLOWLIST: "10.1.0.0/16,192.0.2.7",
      METRICS_PORT: String(metricsPort),
    });
    api = client(system.baseUrl);
    await api.followContract();
  });
  afterAll(() => system.stop());

  test("When a path is not routed, then 404 NOT_FOUND in the documented shape", async () => {
    for (const path of ["/nope", "/api/v1/nope", "/api/v1/users", "/api/v2/users/me"]) {
      const res = await api.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        name: expect.any(String),
        message: expect.any(String),
        code: 404,
        type: "NOT_FOUND",
      });
    }
  });

  test("When a method is not routed on a known path, then 404", async () => {
    const res = await api.request(
      "PUT",
      "/api/v1/users/me",
      { name: "x" },
      {
        headers: { "x-forwarded-for": "10.9.9.1" },
      },
    );
    expect(res.status).toBe(404);
  });

  test("When a client sends X-Request-ID, then it comes back; a bad one is replaced", async () => {
    const given = await api.get("/health/live", { headers: { "x-request-id": "trace-abc.123" } });
    expect(given.headers.get("x-request-id")).toBe("trace-abc.123");
    const bad = await api.get("/health/live", { headers: { "x-request-id": "a b<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const none = await api.get("/health/live");
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("When the body is over 1 MB, then 413 PAYLOAD_TOO_LARGE", async () => {
    const res = await api.post(
      "/api/v1/auth/register",
      { email: uniqueEmail(), password: "correct-horse", name: "x".repeat(1_100_000) },
      { headers: { "x-forwarded-for": "10.9.9.2" } },
    );
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 413, type: "PAYLOAD_TOO_LARGE" });
  });

  test("When an allowed origin asks, then CORS allows it; another origin gets no grant", async () => {
    const preflight = (origin: string) =>
      api.request("OPTIONS", "/api/v1/users/me", undefined, {
        headers: { origin, "access-control-request-method": "GET" },
      });
    const allowed = await preflight("https://shop.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    const other = await preflight("https://evil.example.net");
    expect(other.headers.get("access-control-allow-origin")).not.toBe("https://evil.example.net");
  });

  test("When one address hammers /auth, then it gets 429 RATE_LIMITED with Retry-After, and others do not", async () => {
    const attempt = (ip: string) =>
      api.post(
        "/api/v1/auth/login",
        { email: "nobody@example.com", password: "whatever-1" },
        { headers: { "x-forwarded-for": ip } },
      );
    for (let i = 0; i < 3; i++) expect((await attempt("203.0.113.5")).status).toBe(401);
    const limited = await attempt("203.0.113.5");
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 429, type: "RATE_LIMITED" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await attempt("203.0.113.6")).status).toBe(401);
  });

  test("When a rate-limited registration is refused, then no account is made", async () => {
    const ip = "203.0.113.9";
    const email = uniqueEmail();
    for (let i = 0; i < 3; i++)
      await api.post(
        "/api/v1/auth/login",
        { email, password: "x-x-x-x-x" },
        { headers: { "x-forwarded-for": ip } },
      );
    const res = await api.post(
      "/api/v1/auth/register",
      { email, password: "correct-horse", name: "Late" },
      { headers: { "x-forwarded-for": ip } },
    );
    expect(res.status).toBe(429);
    const login = await api.post(
      "/api/v1/auth/login",
      { email, password: "correct-horse" },
      { headers: { "x-forwarded-for": "203.0.113.10" } },
    );
    expect(login.status).toBe(401);
  });

  test("When one user spends the API budget, then they get 429 and another user from the same address does not", async () => {
    const first = await registerUser(api, "198.51.100.1");
    const second = await registerUser(api, "198.51.100.2");
    const shared = { "x-forwarded-for": "198.51.100.50" };
    for (let i = 0; i < 5; i++) {
      const ok = await api.get("/api/v1/users/me", { token: first.token, headers: shared });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-remaining")).toBe(String(4 - i));
    }
    const limited = await api.get("/api/v1/users/me", { token: first.token, headers: shared });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBeTruthy();
    const other = await api.get("/api/v1/users/me", { token: second.token, headers: shared });
    expect(other.status).toBe(200);
  });

  test("When bad tokens are sent again and again, then the address is limited too", async () => {
    const headers = { "x-forwarded-for": "198.51.100.99" };
    for (let i = 0; i < 5; i++)
      expect((await api.get("/api/v1/users/me", { token: "bad", headers })).status).toBe(401);
    expect((await api.get("/api/v1/users/me", { token: "bad", headers })).status).toBe(429);
  });

  test("When an embedded node starts, then its gateway listens on loopback only", () => {
    const gateway = system.broker.getLocalService("api") as unknown as {
      server: { address(): { address: string } };
    };
    expect(gateway.server.address().address).toBe("127.0.0.1");
  });

  test("When probes ask, then live, ready and details answer with the checks", async () => {
    const live = await api.get("/health/live");
    expect(live.status).toBe(200);
    expect(live.body.status).toBe("up");
    const ready = await api.get("/health/ready");
    expect(ready.status).toBe(200);
    const services = ALL_SERVICES.filter((name) => name !== "api");
    // Ready is this node: no probe calls every service in the cluster.
    expect(ready.body).toEqual({
      status: "up",
      checks: { broker: "up", policies: "up", sessions: "up" },
    });
    const details = await api.get("/health");
    expect(details.status).toBe(200);
    expect(details.body).toEqual({
      status: "up",
      version: expect.any(String),
      checks: {
        broker: "up",
        policies: "up",
        sessions: "up",
        ...Object.fromEntries(services.map((name) => [`service:${name}`, "up"])),
      },
    });
  });

  test("When anyone reads /health, then it names no host, process or node", async () => {
    const details = await api.get("/health");
    const text = JSON.stringify(details.body);
    expect(text).not.toContain(system.broker.nodeID);
    expect(text).not.toContain(hostname());
    expect(text).not.toContain(String(process.pid));
    expect(Object.keys(details.body).sort()).toEqual(["checks", "status", "version"]);
  });

  test("When a customer asks for /cluster, then 403; an admin from an allowed address sees the nodes", async () => {
    const customer = await registerUser(api, "198.51.100.3");
    const denied = await api.get("/api/v1/cluster", {
      token: customer.token,
      headers: { "x-forwarded-for": "10.1.2.3" },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.type).toBe("FORBIDDEN");

    const login = await api.post("/api/v1/auth/login", ADMIN, {
      headers: { "x-forwarded-for": "10.1.2.3" },
    });
    const token = login.body.token;
    const seen = await api.get("/api/v1/cluster", {
      token,
      headers: { "x-forwarded-for": "10.1.2.3" },
    });
    expect(seen.status).toBe(200);
    expect(seen.body.services.map((s: { name: string }) => s.name)).toEqual(
      [...ALL_SERVICES].sort(),
    );
    expect(seen.body.nodes[0]).toMatchObject({ id: system.broker.nodeID, available: true });

    const outside = await api.get("/api/v1/cluster", {
      token,
      headers: { "x-forwarded-for": "192.0.2.8" },
    });
    expect(outside.status).toBe(403);
    const listed = await api.get("/api/v1/cluster", {
      token,
      headers: { "x-forwarded-for": "192.0.2.7" },
    });
    expect(listed.status).toBe(200);
  });

  test("When Prometheus scrapes the node, then Moleculer's and Bazaar's metrics are there", async () => {
    await api.post(
      "/api/v1/auth/login",
      { email: "nobody@example.com", password: "whatever-1" },
      { headers: { "x-forwarded-for": "198.51.100.200" } },
    );
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/^bazaar_auth_logins_total\{result="failure"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^bazaar_users_registered_total(\{[^}]*\})? [1-9]/m);
    expect(text).toMatch(/^bazaar_gateway_rate_limited_total\{limit="auth"[^}]*\} [1-9]/m);
    expect(text).toContain("moleculer_request_total");
  });
});

describe("a gateway whose services are missing", () => {
  let system: TestSystem;
  let api: Client;

  beforeAll(async () => {
    system = await startSystem({ SERVICES: "api" });
    api = client(system.baseUrl);
    await api.followContract();
  });
  afterAll(() => system.stop());

  test("When users is not running, then its routes answer 503 and readiness, still waiting for the core services, says why", async () => {
    const res = await api.post("/api/v1/auth/login", { email: "a@example.com", password: "x" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.body).toEqual({
      name: "ServiceUnavailableError",
      message: expect.any(String),
      code: 503,
      type: "SERVICE_UNAVAILABLE",
    });
    const ready = await api.get("/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.checks["service:users"]).toBe("down");
    expect((await api.get("/health/live")).status).toBe(200);
  });
});

describe("a gateway at its in-flight limit", () => {
  let system: TestSystem;
  let api: Client;

  beforeAll(async () => {
    system = await startSystem({ GATEWAY_MAX_IN_FLIGHT: "1", RATE_LIMIT_AUTH: "1000" });
    api = client(system.baseUrl);
    await api.followContract();
  });
  afterAll(() => system.stop());

  test("When more requests arrive than it may hold, then the extra ones get 503 at once and health still answers", async () => {
    // Each login spends ~100 ms in scrypt, so these overlap.
    const logins = await Promise.all(
      Array.from({ length: 4 }, () =>
        api.post("/api/v1/auth/login", { email: "a@example.com", password: "whatever-1" }),
      ),
    );
    const statuses = logins.map((r) => r.status).sort();
    expect(statuses).toContain(401);
    expect(statuses).toContain(503);
    const refused = logins.find((r) => r.status === 503)!;
    expect(refused.body.type).toBe("SERVICE_UNAVAILABLE");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await api.get("/health/live")).status).toBe(200);
  });
});

describe("a gateway with default webhook settings", () => {
  let system: TestSystem;
  let api: Client;

  beforeAll(async () => {
    system = await startSystem({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    api = client(system.baseUrl);
    await api.followContract();
  });
  afterAll(() => system.stop());

  test("When an admin points a webhook at loopback or a private network by default, then 422", async () => {
    const headers = {};
    const token = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "http://10.0.0.5/hook",
      "http://localhost/hook",
    ]) {
      const res = await api.post(
        "/api/v1/webhooks",
        { url, events: ["orders.confirmed"] },
        { token, headers },
      );
      expect(res.status).toBe(422);
      expect(res.body.data).toEqual([
        { field: "url", message: expect.stringMatching(/private/), type: "private" },
      ]);
    }
    expect((await api.get("/api/v1/webhooks", { token, headers })).body.total).toBe(0);
  });
});

describe("a gateway that is leaving", () => {
  test("When it has been told to stop, then it still answers during the delay, each answer closing its connection", async () => {
    const system = await startSystem({ SHUTDOWN_DELAY_MS: "1500" });
    const agent = new http.Agent({ keepAlive: true });
    const get = () =>
      new Promise<{ status: number; connection?: string }>((resolve, reject) =>
        http
          .get(`${system.baseUrl}/health/live`, { agent }, (res) => {
            res.resume();
            res.on("end", () =>
              resolve({ status: res.statusCode!, connection: res.headers.connection }),
            );
          })
          .on("error", reject),
      );
    try {
      expect(await get()).toEqual({ status: 200, connection: "keep-alive" });
      const stopped = system.stop();
      await new Promise((r) => setTimeout(r, 200));
      expect(await get()).toEqual({ status: 200, connection: "close" });
      await stopped;
    } finally {
      agent.destroy();
    }
  });
});
