import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, type Client } from "../harness/http";
import { createDatabase } from "../harness/postgres";
import { waitFor } from "../harness/node-process";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "finder@example.com", password: "finder-password-1" };

let system: TestSystem;
let api: Client;
let admin: string;

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(() => system.stop());

const found = (q: string, token?: string) =>
  api.get(`/api/v1/search?q=${encodeURIComponent(q)}`, token ? { token } : {});

/** The index is fed by channels, so it is eventually consistent: wait for it. */
const until = (what: string, probe: () => Promise<boolean>) => waitFor(probe, 10_000, what);

describe("search over HTTP", () => {
  test("When a product is added, changed and withdrawn, then search follows: typos, highlights, facets, hidden from customers", async () => {
    const created = await api.post(
      "/api/v1/products",
      {
        sku: "SRCH-1",
        name: "Brass <desk> lamp",
        description: "Warm light",
        price: 4200,
        category: "lighting",
        stock: 3,
      },
      { token: admin },
    );
    expect(created.status).toBe(201);
    await until("the lamp indexed", async () =>
      (await found("lamb")).body.rows.some((r: { refId: string }) => r.refId === created.body.id),
    );
    const answer = (await found("lamb")).body;
    const hit = answer.rows.find((r: { refId: string }) => r.refId === created.body.id);
    expect(hit).toMatchObject({ kind: "product", price: 4200, category: "lighting" });
    expect(hit.highlights.title).toBe("Brass &lt;desk&gt; <mark>lamp</mark>");
    expect(answer.facets.category).toContainEqual({ value: "lighting", count: 1 });
    expect(answer.facets.price).toContainEqual({ value: "25-100", count: 1 });

    await api.patch(
      `/api/v1/products/${created.body.id}`,
      { name: "Brass torch" },
      {
        token: admin,
      },
    );
    await until("the new name", async () => (await found("torch")).body.total === 1);
    expect((await found("lamp")).body.total).toBe(0);

    await api.delete(`/api/v1/products/${created.body.id}`, { token: admin });
    await until(
      "the withdrawn product hidden",
      async () => (await found("torch")).body.total === 0,
    );
    expect((await found("torch", admin)).body.total).toBe(1);
  });

  test("When a course is published, then it and its lessons are found, and suggested as typed", async () => {
    const course = await api.post(
      "/api/v1/courses",
      { slug: "searchable-soil", title: "Soil chemistry", category: "earth", price: 0 },
      { token: admin },
    );
    const mod = await api.post(
      `/api/v1/courses/${course.body.id}/modules`,
      { title: "M" },
      { token: admin },
    );
    await api.post(
      `/api/v1/modules/${mod.body.id}/lessons`,
      { title: "Humus and clay", kind: "text", body: "b" },
      { token: admin },
    );
    expect((await found("chemistry")).body.total).toBe(0);
    await api.post(`/api/v1/courses/${course.body.id}/publish`, {}, { token: admin });
    await until("the course found", async () =>
      (await found("chemstry")).body.rows.some(
        (r: { kind: string; refId: string }) => r.kind === "course" && r.refId === course.body.id,
      ),
    );
    expect((await found("chemstry")).body.rows[0]).toMatchObject({ kind: "course" });
    const lesson = (await found("humus")).body.rows[0];
    expect(lesson).toMatchObject({ kind: "lesson", courseId: course.body.id });
    const suggest = await api.get("/api/v1/search/suggest?q=chem");
    expect(suggest.body.suggestions).toContain("chemistry");
    const onlyCourses = await api.get("/api/v1/search?q=soil&kind=course");
    expect(onlyCourses.body.rows.map((r: { kind: string }) => r.kind)).toEqual(["course"]);
    // The shop's own listing finds the course as what is bought: its product.
    const hit = (await found("chemistry")).body.rows[0];
    const listed = await api.get("/api/v1/products?q=chemistry");
    expect(listed.body.rows).toEqual([
      expect.objectContaining({ id: hit.productId, kind: "course", name: "Soil chemistry" }),
    ]);
  });

  test("When an admin adds a product, then the shop's listing by query finds it at once; withdrawn, shoppers stop seeing it at once", async () => {
    const listed = (q: string, token?: string) =>
      api.get(`/api/v1/products?q=${encodeURIComponent(q)}`, token ? { token } : {});
    const created = await api.post(
      "/api/v1/products",
      { sku: "FRESH-1", name: "Quilted tea cosy", price: 1500, category: "kitchen", stock: 2 },
      { token: admin },
    );
    // No waiting: the listing is answered once the index holds the catalog's newest write.
    expect((await listed("cosy")).body.rows.map((r: { id: string }) => r.id)).toEqual([
      created.body.id,
    ]);
    expect((await listed("cozy")).body.total).toBe(1);
    await api.delete(`/api/v1/products/${created.body.id}`, { token: admin });
    expect((await listed("cosy")).body.rows).toEqual([]);
    expect((await listed("cosy", admin)).body.rows).toEqual([
      expect.objectContaining({ id: created.body.id, active: false }),
    ]);
    const sorted = await api.get("/api/v1/products?q=cosy%20torch&sort=-price", { token: admin });
    const prices = sorted.body.rows.map((r: { price: number }) => r.price);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    expect(prices.length).toBeGreaterThanOrEqual(2);
  });

  test("When the query or filters are bad, then 422; when the query is hostile text, then it is only text", async () => {
    for (const path of [
      "/api/v1/search?kind=planet",
      "/api/v1/search?priceMin=-1",
      `/api/v1/search?q=${"x".repeat(201)}`,
      "/api/v1/search/suggest",
    ])
      expect((await api.get(path)).status).toBe(422);
    for (const q of ["(a|a)*$", "\\", "<script>", "__proto__", "a ".repeat(40)])
      expect((await found(q)).status).toBe(200);
  });

  test("When a listing with a query asks for a page far past its matches, then it answers as the listing without a query does", async () => {
    await api.post(
      "/api/v1/products",
      { sku: "DEEP-1", name: "Deep lantern", price: 900, category: "garden", stock: 1 },
      { token: admin },
    );
    for (const q of ["", "q=lantern&"]) {
      const deep = await api.get(`/api/v1/products?${q}page=1000000&pageSize=100`);
      expect(deep.status).toBe(200);
      expect(deep.body).toMatchObject({ rows: [], page: 1000000, pageSize: 100 });
      expect(deep.body.total).toBeGreaterThan(0);
    }
  });

  test("When products predate the index, then a rebuild by an admin makes them searchable, and what was found before still is", async () => {
    // Written straight into the catalog's store, as data from before the change channels.
    const catalog = system.broker.getLocalService("catalog") as unknown as {
      repos: { products: { insert(doc: object): Promise<unknown> } };
    };
    const now = new Date().toISOString();
    await catalog.repos.products.insert({
      id: "legacy-kettle",
      sku: "LEGACY-1",
      name: "Copper kettle",
      description: "From before",
      price: 2500,
      currency: "USD",
      category: "kitchen",
      stock: 1,
      active: true,
      createdAt: now,
      updatedAt: now,
    });
    expect((await found("kettle")).body.total).toBe(0);
    // The listing waits a bounded while for a write the index never took, then answers.
    expect((await api.get("/api/v1/products?q=kettle")).body.total).toBe(0);
    const customer = await api.post("/api/v1/auth/register", {
      email: `rebuild-${process.pid}@example.com`,
      password: "correct-horse",
      name: "C",
    });
    expect(
      (await api.post("/api/v1/search/rebuild", {}, { token: customer.body.token })).status,
    ).toBe(403);
    const rebuilt = await api.post("/api/v1/search/rebuild", {}, { token: admin });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.products).toBeGreaterThanOrEqual(2);
    await until("the kettle found", async () => (await found("kettle")).body.total === 1);
    expect((await api.get("/api/v1/products?q=kettle")).body.rows).toEqual([
      expect.objectContaining({ id: "legacy-kettle" }),
    ]);
    expect((await found("torch", admin)).body.total).toBe(1);
  });
});

describe("search across a restart", () => {
  test("When a node restarts, then it is ready only once its index is read back, and then finds what it found before", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-search-restart-"));
    // Both nodes on one store: the same directory, or (the PostgreSQL run) the same database.
    const database =
      process.env.BAZAAR_TEST_STORE === "postgres" ? await createDatabase() : undefined;
    const env = {
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...(database ? { DB_URI: database.uri } : {}),
    };
    try {
      const first = await startSystem(env);
      const before = client(first.baseUrl);
      const token = (await before.post("/api/v1/auth/login", ADMIN)).body.token;
      await before.post(
        "/api/v1/products",
        { sku: "RESTART-1", name: "Walnut bookend", price: 900, category: "home", stock: 2 },
        { token },
      );
      await waitFor(
        async () => (await before.get("/api/v1/search?q=bookend")).body.total === 1,
        10_000,
        "the bookend indexed",
      );
      await first.stop();

      const second = await startSystem(env);
      try {
        const after = client(second.baseUrl);
        await waitFor(
          async () => (await after.get("/health/ready")).status === 200,
          10_000,
          "the node ready",
        );
        expect((await after.get("/api/v1/search?q=bookend")).body.total).toBe(1);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    }
  }, 60_000);
});
