import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { progressBar } from "../../scripts/seed";
import { client } from "../harness/http";
import { runToEnd, waitFor } from "../harness/node-process";
import { startSystem } from "../harness/system";

/** `npm run seed`: the demo catalog, customers and courses, once, with a progress bar. */
const seed = (env: Record<string, string>) => runToEnd(["scripts/seed.ts"], env);

describe("npm run seed", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-seed-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("When the bar is drawn, then it fills in proportion", () => {
    expect(progressBar(0, 4, "products", 8)).toBe("[........] 0/4 products");
    expect(progressBar(2, 4, "products", 8)).toBe("[####....] 2/4 products");
    expect(progressBar(12, 12, "customers", 8)).toBe("[########] 12/12 customers");
    expect(progressBar(0, 0, "customers", 8)).toBe("[########] 0/0 customers");
  });

  test("When it runs on an empty store, then the shop has its demo catalog, customers who can log in, and two courses their instructor manages; run again, it adds nothing", async () => {
    const first = await seed({ DATA_DIR: dataDir, SEED_USERS: "2" });
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/\[#+\] 10\/10 products/);
    expect(first.out).toContain("Added 10 of 10 demo products");
    const [, password] = /demo1@example\.com {2}(\S+)/.exec(first.out)!;
    expect(first.out).toContain("Added 2 demo courses");
    const [, teacherPassword] = /instructor@example\.com {2}(\S+)/.exec(first.out)!;

    const second = await seed({ DATA_DIR: dataDir, SEED_USERS: "2" });
    expect(second.status).toBe(0);
    expect(second.out).toContain("Added 0 of 10 demo products");
    expect(second.out).not.toContain("Demo customers");
    expect(second.out).not.toContain("demo courses");

    const system = await startSystem({ DATA_DIR: dataDir });
    try {
      const api = client(system.baseUrl);
      // Ten things on shelves, and the two courses' products.
      expect((await api.get("/api/v1/products?pageSize=100")).body.total).toBe(12);
      const login = await api.post("/api/v1/auth/login", { email: "demo1@example.com", password });
      expect(login.status).toBe(200);
      const courses = (await api.get("/api/v1/courses")).body.rows;
      expect(courses.map((c: { slug: string }) => c.slug).sort()).toEqual([
        "photosynthesis-basics",
        "plant-physiology",
      ]);
      const teacher = await api.post("/api/v1/auth/login", {
        email: "instructor@example.com",
        password: teacherPassword,
      });
      const edit = await api.patch(
        `/api/v1/courses/${courses[0].id}`,
        { summary: "Edited by its instructor" },
        { token: teacher.body.token },
      );
      expect(edit.status).toBe(200);
    } finally {
      await system.stop();
    }
  }, 90_000);

  test("When a node starts with SEED_DEMO_CATALOG on an empty store, then the demo courses are published too", async () => {
    const system = await startSystem({ SEED_DEMO_CATALOG: "true" });
    try {
      const api = client(system.baseUrl);
      const published = await waitFor(
        async () => {
          const rows = (await api.get("/api/v1/courses")).body.rows;
          return rows?.length === 2 ? rows : undefined;
        },
        15_000,
        "the demo courses",
      );
      const paid = published.find((c: { price: number }) => c.price > 0);
      expect(paid.prerequisites).toEqual([
        published.find((c: { price: number }) => c.price === 0).id,
      ]);
      expect((await api.get(`/api/v1/products/${paid.productId}`)).body).toMatchObject({
        kind: "course",
        price: 2900,
      });
    } finally {
      await system.stop();
    }
  }, 60_000);
});
