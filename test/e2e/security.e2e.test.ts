import fc from "fast-check";
import jwt from "jsonwebtoken";
import { homedir, hostname } from "node:os";
import {
  client,
  createProduct,
  loginToken,
  TEST_ADDRESS,
  uniqueEmail,
  type Client,
} from "../harness/http";
import { freePort } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";
import { toneWav } from "../fixtures/audio";
import {
  deeplyNestedPdf,
  hugePageCountPdf,
  htmlFile,
  inflateBombPdf,
  pngFile,
  textPdf,
  zipFile,
} from "../fixtures/pdfs";

/**
 * What an outside review broke over HTTP, each as a user would meet it: one hostile request
 * must never change what anyone else gets.
 */
const ADMIN = { email: "review-admin@example.com", password: "review-admin-1" };

let system: TestSystem;
let api: Client;
let admin: string;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  system = await startSystem({
    METRICS_PORT: String(metricsPort),
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "1000000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = await loginToken(api, ADMIN);
});
afterAll(() => system.stop());

interface Customer {
  credentials: { email: string; password: string };
  token: string;
}

async function newCustomer(): Promise<Customer> {
  const credentials = { email: uniqueEmail("review"), password: "correct-horse" };
  const res = await api.post("/api/v1/auth/register", { ...credentials, name: "Reviewer" });
  expect(res.status).toBe(201);
  return { credentials, token: res.body.token };
}

let skus = 0;
const product = (fields: { price?: number; stock?: number } = {}) =>
  createProduct(api, admin, { sku: `SEC-${process.pid}-${++skus}`, stock: 5, ...fields });

const order = (token: string, body: Record<string, unknown>) =>
  api.post(
    "/api/v1/orders",
    { shippingAddress: TEST_ADDRESS, payment: { token: "tok_visa" }, ...body },
    { token },
  );

/** Signing in and using a token still work for everyone: the server was not poisoned. */
async function expectServerUnharmed(): Promise<void> {
  expect(Object.keys(Object.prototype)).toEqual([]);
  const someone = await newCustomer();
  expect((await api.get("/api/v1/users/me", { token: someone.token })).status).toBe(200);
  expect((await api.post("/api/v1/auth/login", someone.credentials)).status).toBe(200);
  const expired = jwt.sign(
    { roles: ["customer"], sv: 0, exp: Math.floor(Date.now() / 1000) - 60 },
    system.broker.options.bazaar!.jwtSecret,
    { algorithm: "HS256", subject: "someone", issuer: "bazaar", audience: "bazaar-api" },
  );
  expect((await api.get("/api/v1/users/me", { token: expired })).status).toBe(401);
}

describe("ids that try to become field paths", () => {
  test("When a customer removes the cart item __proto__.toString, then 422 and nobody else notices", async () => {
    const me = await newCustomer();
    const res = await api.delete("/api/v1/cart/items/__proto__.toString", { token: me.token });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe("VALIDATION_ERROR");
    await expectServerUnharmed();
  });

  test("When a behaviour event names the product __proto__.ignoreExpiration, then 422 and expired tokens stay expired", async () => {
    const me = await newCustomer();
    const res = await api.post(
      "/api/v1/events",
      [{ type: "product_view", productId: "__proto__.ignoreExpiration" }],
      { token: me.token },
    );
    expect(res.status).toBe(422);
    await expectServerUnharmed();
  });

  test("When hostile ids are sent to every route that takes an id, then each gets a 4xx and the server is unharmed", async () => {
    const description = (await api.get("/api/v1/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const withIdInPath = Object.entries(description.paths).flatMap(([template, ops]) =>
      template.includes("{") ? Object.keys(ops).map((m) => ({ method: m, template })) : [],
    );
    expect(withIdInPath.length).toBeGreaterThan(10);
    const me = await newCustomer();
    const hostileId = fc.oneof(
      fc.constantFrom(
        "__proto__",
        "__proto__.toString",
        "__proto__.ignoreExpiration",
        "constructor",
        "constructor.prototype.x",
        "prototype",
        "items..x",
        "a.b",
        "$where",
        "-",
        "a".repeat(65),
      ),
      fc.string({ minLength: 1, maxLength: 80 }),
      fc.string({ minLength: 1, maxLength: 40, unit: "binary" }),
    );
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(hostileId, async (id) => {
        const segment = encodeURIComponent(id);
        for (const { method, template } of withIdInPath) {
          const path = "/api/v1" + template.replace(/\{[^}]+\}/g, segment);
          const body = method === "put" ? { quantity: 1 } : method === "get" ? undefined : {};
          const res = await api.request(method.toUpperCase(), path, body, { token: admin });
          statuses.add(res.status);
          if (res.status >= 500) throw new Error(`${method} ${path} answered ${res.status}`);
        }
        const inBodies = [
          await order(me.token, { items: [{ productId: id, quantity: 1 }] }),
          await api.post("/api/v1/events", [{ type: "product_view", productId: id }], {
            token: me.token,
          }),
          await api.post("/api/v1/events", [{ type: "page_view", userId: id }], {
            token: me.token,
          }),
          await api.get(`/api/v1/payments?orderId=${segment}`, { token: me.token }),
        ];
        for (const res of inBodies) {
          statuses.add(res.status);
          if (res.status >= 500) throw new Error(`a body id ${JSON.stringify(id)}: ${res.status}`);
        }
      }),
      { numRuns: 25, seed: 20261202 },
    );
    expect(statuses.has(422)).toBe(true);
    await expectServerUnharmed();
  });
});

type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
};
/** Where a body may carry a value of the client's own shape, the keys that reach a prototype. */
const HOSTILE = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}';
const MARK = "\u0000hostile\u0000";

/** A body after a schema, every free-form object in it (and the top) a hostile one. */
function hostileBody(schema: Schema, schemas: Record<string, Schema>, depth = 0): unknown {
  if (schema.$ref) return hostileBody(schemas[schema.$ref.split("/").pop()!], schemas, depth);
  if (depth > 6) return MARK;
  if (schema.example !== undefined && typeof schema.example !== "object") return schema.example;
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "string") return "x";
  if (type === "integer" || type === "number") return schema.minimum ?? 1;
  if (type === "boolean") return true;
  if (type === "array") return [hostileBody(schema.items ?? {}, schemas, depth + 1)];
  if (!schema.properties) return MARK;
  return Object.fromEntries([
    ...Object.entries(schema.properties).map(([k, v]) => [k, hostileBody(v, schemas, depth + 1)]),
    ["__hostile__", MARK],
  ]);
}

describe("values that try to reach a prototype", () => {
  test("When every write route gets a body whose free-form values hold __proto__ and constructor keys, then each answers 4xx and the server is unharmed", async () => {
    const description = (await api.get("/api/v1/openapi.json")).body as {
      paths: Record<string, Record<string, { requestBody?: any }>>;
      components: { schemas: Record<string, Schema> };
    };
    const writes = Object.entries(description.paths).flatMap(([template, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => {
        const schema = op.requestBody?.content?.["application/json"]?.schema as Schema | undefined;
        return schema ? [{ method, template, schema }] : [];
      }),
    );
    expect(writes.length).toBeGreaterThan(20);
    const p = await product();
    const failures: string[] = [];
    for (const { method, template, schema } of writes) {
      const path = "/api/v1" + template.replace(/\{[^}]+\}/g, p.id);
      const body = JSON.stringify(hostileBody(schema, description.components.schemas))
        .replaceAll(`"__hostile__":"${MARK}"`, HOSTILE.slice(1, -1))
        .replaceAll(`"${MARK}"`, HOSTILE);
      const res = await api.request(method.toUpperCase(), path, body, { token: admin });
      if (res.status >= 500) failures.push(`${method} ${template}: ${res.status}`);
    }
    expect(failures).toEqual([]);
    await expectServerUnharmed();
  });

  test.each(["toString", "constructor", "valueOf", "hasOwnProperty"])(
    "When a user names %s where the server keeps a map (a cart line, a card token), then it is an ordinary unknown name",
    async (name) => {
      const me = await newCustomer();
      const line = await api.put(
        `/api/v1/cart/items/${name}`,
        { quantity: 1 },
        { token: me.token },
      );
      expect([404, 422]).toContain(line.status);
      const p = await product();
      const paid = await api.post(
        "/api/v1/orders",
        {
          items: [{ productId: p.id, quantity: 1 }],
          shippingAddress: TEST_ADDRESS,
          payment: { token: name },
        },
        { token: me.token },
      );
      expect(paid.status).toBe(402);
      expect(paid.body.message).not.toMatch(/function|native code/);
      await expectServerUnharmed();
    },
  );

  test("When a template variant carries __proto__ or fields of its own, then 422 naming the field, and nothing is stored", async () => {
    const words = { en: { inbox: { title: "Hi", body: "Hello" } } };
    const base = { name: "proto", defaultLocale: "en", locales: words };
    const variants = [
      `[{"name":"B","locales":${JSON.stringify(words)},"__proto__":{"x":1}}]`,
      `[{"name":"B","locales":${JSON.stringify(words)},"sent":1000000000,"createdAt":"x"}]`,
    ];
    for (const list of variants) {
      const raw = `${JSON.stringify(base).slice(0, -1)},"variants":${list}}`;
      const res = await api.post("/api/v1/engagement/templates", raw, { token: admin });
      expect(res.status).toBe(422);
      expect(res.body.data[0].field).toMatch(/^variants\[0\]/);
    }
    const listed = await api.get("/api/v1/engagement/templates?pageSize=100", { token: admin });
    expect(listed.body.rows.filter((t: { name: string }) => t.name === "proto")).toEqual([]);
  });
});

describe("bodies built to be expensive", () => {
  const NEAR_LIMIT = 1024 * 1024 - 4096;

  test.each([
    ["/api/v1/auth/login", (filler: string) => ({ email: filler, password: "x" })],
    [
      "/api/v1/auth/register",
      (filler: string) => ({ email: filler, password: filler, name: filler }),
    ],
  ])(
    "When %s gets a body near the size limit, then only lengths are judged: no pattern runs over it",
    async (path, build) => {
      const filler = "a@".repeat(NEAR_LIMIT / 6);
      const res = await api.post(path, build(filler));
      expect(res.status).toBe(422);
      const types = (res.body.data as { type: string }[]).map((p) => p.type);
      expect(types.every((t) => t === "emailMax" || t === "stringMax")).toBe(true);
    },
  );

  test.each([
    [
      "props nested 20,000 deep in an event",
      "/api/v1/events",
      () => `[{"type":"page_view","props":${"[".repeat(20_000)}${"]".repeat(20_000)}}]`,
    ],
    [
      "a password that is a 100,000-deep list",
      "/api/v1/auth/login",
      () => `{"email":"a@b.co","password":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    ],
  ])(
    "When a body holds %s, then 400 and no request outlives its answer",
    async (_l, path, body) => {
      const me = await newCustomer();
      const res = await api.post(path, body(), { token: me.token });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe("BAD_REQUEST");
      const tracked = system.broker as unknown as { _trackedContexts: unknown[] };
      expect(tracked._trackedContexts).toHaveLength(0);
    },
  );
});

describe("study material built to harm", () => {
  const upload = (who: Customer, file: Buffer, name = "notes.pdf") =>
    api.upload("/api/v1/documents", file, name, { token: who.token });

  test.each([
    ["a stream that inflates to 200 MB", () => inflateBombPdf(200), 422, "PDF_TOO_COMPLEX"],
    ["a ZIP renamed .pdf", async () => zipFile(), 422, "NOT_A_PDF"],
    ["HTML renamed .pdf", async () => htmlFile(), 422, "NOT_A_PDF"],
    ["a PNG renamed .pdf", async () => pngFile(), 422, "NOT_A_PDF"],
  ])(
    "When a PDF upload holds %s, then it is refused with its reason, nothing is kept, and the node serves on",
    async (_label, file, status, type) => {
      const me = await newCustomer();
      const res = await upload(me, await file());
      expect(res.status).toBe(status);
      expect(res.body.type).toBe(type);
      expect((await api.get("/api/v1/documents", { token: me.token })).body.total).toBe(0);
      expect((await api.get("/health/ready")).status).toBe(200);
    },
  );

  test("When a PDF claims a billion pages, or nests 100,000 arrays deep, then only what it holds is read", async () => {
    const me = await newCustomer();
    expect((await upload(me, hugePageCountPdf())).body.pages).toBe(1);
    expect([201, 422]).toContain((await upload(me, deeplyNestedPdf())).status);
  });

  test("When a file name carries path parts and control characters, then only a clean last part is kept, never a path", async () => {
    const me = await newCustomer();
    const res = await upload(me, textPdf(), "../../../jwt-secret\u0000\u202e.pdf");
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("jwt-secret.pdf");
  });

  test("When a tutor question is 10 MB, then 413 before anything reads it", async () => {
    const me = await newCustomer();
    const huge = JSON.stringify({ question: "x".repeat(10 * 1024 * 1024) });
    const res = await api.request("POST", "/api/v1/tutor/sessions/tut_any/messages", huge, {
      token: me.token,
    });
    expect(res.status).toBe(413);
  });

  test("When a WAV's header claims two gigabytes, then the upload is taken for what it holds and the node serves on", async () => {
    const me = await newCustomer();
    const liar = toneWav(1);
    liar.writeUInt32LE(0x7fffffff, 4);
    liar.writeUInt32LE(0x7fffffff, 40);
    const form = new FormData();
    form.append("file", new Blob([liar], { type: "audio/wav" }), "../../answer.wav");
    const res = await api.request("POST", "/api/v1/speech/transcribe", form, { token: me.token });
    expect(res.status).toBe(202);
    expect((await api.get("/health/ready")).status).toBe(200);
  });
});

describe("API keys", () => {
  test("When an admin's key has only read and write, then it sees and cancels only the admin's own orders", async () => {
    const shopper = await newCustomer();
    const p = await product();
    const theirs = await order(shopper.token, { items: [{ productId: p.id, quantity: 1 }] });
    expect(theirs.status).toBe(201);
    const created = await api.post(
      "/api/v1/api-keys",
      { name: "reports", scopes: ["read", "write"] },
      { token: admin },
    );
    const key = created.body.key as string;
    const listed = await api.get("/api/v1/orders?pageSize=100", { apiKey: key });
    expect(listed.status).toBe(200);
    expect(listed.body.rows.map((o: { id: string }) => o.id)).not.toContain(theirs.body.id);
    const cancel = await api.post(`/api/v1/orders/${theirs.body.id}/cancel`, undefined, {
      apiKey: key,
    });
    expect(cancel.status).toBe(404);
    const still = await api.get(`/api/v1/orders/${theirs.body.id}`, { token: shopper.token });
    expect(still.body.status).toBe("CONFIRMED");

    const adminKey = await api.post(
      "/api/v1/api-keys",
      { name: "ops", scopes: ["read", "admin"] },
      { token: admin },
    );
    const seen = await api.get(`/api/v1/orders/${theirs.body.id}`, { apiKey: adminKey.body.key });
    expect(seen.status).toBe(200);
  });
});

describe("orders that must end", () => {
  test("When a product is free, then its order confirms without a charge and cancels without a refund", async () => {
    const me = await newCustomer();
    const p = await product({ price: 0, stock: 3 });
    const res = await order(me.token, { items: [{ productId: p.id, quantity: 2 }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "CONFIRMED", total: 0 });
    expect(res.body.paymentId).toBeUndefined();
    const cancelled = await api.post(`/api/v1/orders/${res.body.id}/cancel`, undefined, {
      token: me.token,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    const payments = await api.get(`/api/v1/payments?orderId=${res.body.id}`, { token: me.token });
    expect(payments.body.rows).toEqual([]);
    const after = await api.get(`/api/v1/products/${p.id}`);
    expect(after.body.stock).toBe(3);
  });

  test("When a step refuses the order's input, then the order fails, gives its stock back, and names no internal parameter", async () => {
    const me = await newCustomer();
    // Over the processor's cap for one charge: the payment step refuses its amount.
    const p = await product({ price: 60_000_000, stock: 3 });
    const res = await order(me.token, { items: [{ productId: p.id, quantity: 2 }] });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toMatch(/amount|token|orderId/);
    const [placed] = (await api.get("/api/v1/orders", { token: me.token })).body.rows;
    expect(placed).toMatchObject({ status: "PAYMENT_FAILED", failureReason: "refused" });
    expect((await api.get(`/api/v1/products/${p.id}`)).body.stock).toBe(3);
  });

  test("When items is null with a full cart, then 422 and nothing is ordered", async () => {
    const me = await newCustomer();
    const p = await product();
    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 2 }, { token: me.token });
    const res = await order(me.token, { items: null, fromCart: true });
    expect(res.status).toBe(422);
    expect(res.body.data).toEqual([
      expect.objectContaining({ field: "items", type: "notNullable" }),
    ]);
    expect((await api.get("/api/v1/orders", { token: me.token })).body.total).toBe(0);
    expect((await api.get(`/api/v1/products/${p.id}`)).body.stock).toBe(5);
  });
});

describe("webhook targets", () => {
  test.each([
    ["http://a b/", "url"],
    ["http://example.com:99999/", "url"],
    ["http://[::127.0.0.1]/hook", "private"],
    ["http://[64:ff9b::7f00:1]/hook", "private"],
    ["http://240.0.0.1/", "private"],
  ])("When a webhook targets %s, then 422 (%s), never a 500", async (url, problem) => {
    const res = await api.post(
      "/api/v1/webhooks",
      { url, events: ["orders.confirmed"] },
      { token: admin },
    );
    expect(res.status).toBe(422);
    expect(res.body.data[0]).toMatchObject({ field: "url", type: problem });
  });
});

describe("accounts and sessions", () => {
  test.each(["victim\u202e@example.com", "vic\u0000tim@example.com", "vic\u200btim@example.com"])(
    "When someone registers %j, then 422: no look-alike accounts",
    async (email) => {
      const res = await api.post("/api/v1/auth/register", {
        email,
        password: "correct-horse",
        name: "Look-alike",
      });
      expect(res.status).toBe(422);
    },
  );

  test("When a password changes, then every earlier token stops working and the new one works", async () => {
    const me = await newCustomer();
    const second = await loginToken(api, me.credentials);
    const changed = await api.patch(
      "/api/v1/users/me",
      { password: "battery-staple", currentPassword: me.credentials.password },
      { token: me.token },
    );
    expect(changed.status).toBe(200);
    expect(typeof changed.body.token).toBe("string");
    for (const old of [me.token, second])
      expect((await api.get("/api/v1/users/me", { token: old })).status).toBe(401);
    expect((await api.get("/api/v1/users/me", { token: changed.body.token })).status).toBe(200);
    expect((await api.post("/api/v1/auth/login", me.credentials)).status).toBe(401);
  });

  test("When an admin changes someone's roles, then their old tokens end and a new sign-in carries the roles", async () => {
    const me = await newCustomer();
    const profile = await api.get("/api/v1/users/me", { token: me.token });
    const set = await api.request(
      "PUT",
      `/api/v1/users/${profile.body.id}/roles`,
      { roles: ["customer", "admin"] },
      { token: admin },
    );
    expect(set.status).toBe(200);
    expect(set.body.roles).toEqual(["customer", "admin"]);
    expect((await api.get("/api/v1/users/me", { token: me.token })).status).toBe(401);
    const fresh = await loginToken(api, me.credentials);
    expect((await api.get("/api/v1/cluster", { token: fresh })).status).toBe(200);
  });

  test("When an admin sets the roles of no one, then 404 and no one is made", async () => {
    const res = await api.request(
      "PUT",
      "/api/v1/users/no-such-user/roles",
      { roles: ["admin"] },
      { token: admin },
    );
    expect(res.status).toBe(404);
  });

  test("When a customer tries to set roles, then 403 and nothing changes", async () => {
    const me = await newCustomer();
    const profile = await api.get("/api/v1/users/me", { token: me.token });
    const res = await api.request(
      "PUT",
      `/api/v1/users/${profile.body.id}/roles`,
      { roles: ["admin"] },
      { token: me.token },
    );
    expect(res.status).toBe(403);
    expect((await api.get("/api/v1/users/me", { token: me.token })).body.roles).toEqual([
      "customer",
    ]);
  });
});

describe("what anonymous callers and scrapers see", () => {
  test("When Prometheus scrapes a node, then nothing names the OS user, home, addresses or arguments", async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toContain("moleculer_request_total");
    for (const name of [
      "os_user_username",
      "os_user_homedir",
      "os_network_address",
      "os_network_mac",
      "os_hostname",
      "process_arguments",
      "process_pid",
    ])
      expect(text).not.toContain(name);
    expect(text).not.toContain(homedir());
    expect(text).not.toContain(`"${hostname()}"`);
  });

  test("When the node is embedded, then its metrics port listens on loopback only", () => {
    const metrics = system.broker.metrics as unknown as {
      reporter: { server?: { address(): { address: string } } }[];
    };
    const server = metrics.reporter.find((r) => r.server)?.server;
    expect(server?.address().address).toBe("127.0.0.1");
  });
});

describe("a gateway that cannot yet know which sessions ended", () => {
  let alone: TestSystem;
  beforeAll(async () => {
    // No users service anywhere: the list of ended sessions cannot be loaded.
    alone = await startSystem({ SERVICES: "api", JWT_SECRET: "s".repeat(40) });
  });
  afterAll(() => alone.stop());

  test("When a token arrives, then 503 and the caller is not let in: the check fails closed", async () => {
    const token = jwt.sign({ roles: ["admin"], sv: 0 }, "s".repeat(40), {
      algorithm: "HS256",
      subject: "someone",
      issuer: "bazaar",
      audience: "bazaar-api",
      expiresIn: 60,
    });
    const res = await client(alone.baseUrl).get("/api/v1/cluster", { token });
    expect(res.status).toBe(503);
    expect(res.body.type).toBe("SERVICE_UNAVAILABLE");
    const ready = await client(alone.baseUrl).get("/health/ready");
    expect(ready.body.checks.sessions).toBe("down");
  });
});
