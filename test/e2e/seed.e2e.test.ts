import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { progressBar } from "../../scripts/seed";
import { client } from "../harness/http";
import { runToEnd } from "../harness/node-process";
import { startSystem } from "../harness/system";

/** `npm run seed`: the demo catalog and customers, once, with a progress bar. */
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

  test("When it runs on an empty store, then the shop has its demo catalog and customers who can log in; run again, it adds nothing", async () => {
    const first = await seed({ DATA_DIR: dataDir, SEED_USERS: "2" });
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/\[#+\] 10\/10 products/);
    expect(first.out).toContain("Added 10 of 10 demo products");
    const [, password] = /demo1@example\.com {2}(\S+)/.exec(first.out)!;

    const second = await seed({ DATA_DIR: dataDir, SEED_USERS: "2" });
    expect(second.status).toBe(0);
    expect(second.out).toContain("Added 0 of 10 demo products");
    expect(second.out).not.toContain("Demo customers");

    const system = await startSystem({ DATA_DIR: dataDir });
    try {
      const api = client(system.baseUrl);
      expect((await api.get("/api/v1/products?pageSize=100")).body.total).toBe(10);
      const login = await api.post("/api/v1/auth/login", { email: "demo1@example.com", password });
      expect(login.status).toBe(200);
    } finally {
      await system.stop();
    }
  }, 90_000);
});
