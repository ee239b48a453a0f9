import { spawnSync } from "node:child_process";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import type { Contract } from "../harness/contract";
import { client, type Client } from "../harness/http";
import { describeWith } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "docs-admin@example.com", password: "docs-admin-1" };
const ROOT = path.join(__dirname, "..", "..");

let system: TestSystem;
let api: Client;
let contract: Contract;
let admin: string;

beforeAll(async () => {
  system = await startSystem({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_API: "100000",
  });
  api = client(system.baseUrl);
  contract = await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(() => system.stop());

/** moleculer-web's answer for a path no route serves (a missing resource names itself). */
const isUnknownRoute = (status: number, body: { name?: string; message?: string }) =>
  status === 404 && body?.name === "NotFoundError" && body.message === "Not found";

describe("the OpenAPI description", () => {
  test("When /api/v1/openapi.json is read, then it is valid OpenAPI 3.1 by the official schema", () => {
    const run = spawnSync(process.execPath, ["test/fixtures/validate-openapi.mjs"], {
      cwd: ROOT,
      input: JSON.stringify(contract.doc),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ valid: true, version: "3.1" });
  });

  test("When the gateway's live routes are listed, then each is documented and each documented route is live", async () => {
    const aliases =
      await system.broker.call<{ methods: string; fullPath: string }[]>("api.listAliases");
    const live = aliases
      // The description's own routes and the site root (a pointer to the docs) stay outside it.
      .filter((a) => !/^\/api\/v1\/(openapi\.json|docs)/.test(a.fullPath) && a.fullPath !== "/")
      .map((a) => `${a.methods} ${a.fullPath.replace(/:(\w+)/g, "{$1}").replace(/(.)\/$/, "$1")}`);
    const documented = contract.routes.map((r) => `${r.method} ${r.template}`);
    expect(documented.sort()).toEqual(live.sort());
  });

  test("When every documented operation is called, anonymously and as an admin, then it is served and answers as documented", async () => {
    for (const route of contract.routes) {
      const url = route.template.replace(/\{[^}]+\}/g, "doc-check");
      const body = ["POST", "PUT", "PATCH"].includes(route.method) ? {} : undefined;
      for (const auth of [{}, { token: admin }]) {
        // The client checks every answer against the description and throws on a mismatch.
        const res = await api.request(route.method, url, body, auth);
        expect(isUnknownRoute(res.status, res.body)).toBe(false);
      }
    }
  });

  test("When an answer is not what the description says, then the contract check reports it", () => {
    const product = contract.route("GET", "/api/v1/products/p1");
    expect(product?.template).toBe("/api/v1/products/{id}");
    expect(contract.route("GET", "/api/v1/users/me")?.template).toBe("/api/v1/users/me");
    expect(contract.violations("GET", "/api/v1/products/p1", 418, {})).toEqual([
      "GET /api/v1/products/p1 → 418: status not documented for /api/v1/products/{id}",
    ]);
    const good = {
      id: "p1",
      sku: "S",
      name: "n",
      description: "",
      price: 1,
      currency: "USD",
      category: "c",
      stock: 0,
      active: true,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    expect(contract.violations("GET", "/api/v1/products/p1", 200, good)).toEqual([]);
    const { stock: _stock, ...missing } = good;
    expect(contract.violations("GET", "/api/v1/products/p1", 200, missing).join()).toMatch(
      /must have required property 'stock'/,
    );
    expect(
      contract.violations("GET", "/api/v1/products/p1", 200, { ...good, searchTerms: [] }).join(),
    ).toMatch(/must NOT have additional properties.*searchTerms/);
    expect(
      contract.violations("GET", "/api/v1/nowhere", 404, { message: "no name" }).join(),
    ).toMatch(/no such route.*required property/);
  });
});

describeWith(["chromium"])("the docs page, in headless Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(() => browser?.close());

  test("When /api/v1/docs is opened, then every operation is listed from the description, with no error and nothing fetched elsewhere", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
    const origins = new Set<string>();
    page.on("request", (r) => origins.add(new URL(r.url()).origin));

    const res = await page.goto(`${system.baseUrl}/api/v1/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'self'/);
    await page.waitForSelector(".opblock", { timeout: 15_000 });

    expect(await page.locator(".info .title").innerText()).toMatch(/Bazaar API/);
    expect(await page.locator(".opblock").count()).toBe(contract.routes.length);
    const checkout = page.locator(".opblock-post", { hasText: "/api/v1/orders" }).first();
    await checkout.locator(".opblock-summary").click();
    await page.waitForSelector("text=Idempotency-Key");
    expect(await checkout.innerText()).toMatch(/Place an order/);
    expect(problems).toEqual([]);
    expect([...origins]).toEqual([system.baseUrl]);
    await page.close();
  });

  test.each(["/", "/api/v1", "/api/v1/docs/"])(
    "When a browser opens %s, then it lands on the docs page with every operation",
    async (start) => {
      const page = await browser.newPage();
      await page.goto(`${system.baseUrl}${start}`);
      await page.waitForSelector(".opblock", { timeout: 15_000 });
      expect(new URL(page.url()).pathname).toBe("/api/v1/docs");
      expect(await page.locator(".opblock").count()).toBe(contract.routes.length);
      await page.close();
    },
  );
});

describe("a visitor who knows nothing", () => {
  test.each([
    ["/", 302, "/api/v1/docs"],
    ["/api/v1", 302, "/api/v1/docs"],
    ["/api/v1/docs/", 308, "../docs"],
  ])("When %s is asked for, then %s points at the docs", async (path, status, location) => {
    const res = await fetch(system.baseUrl + path, { redirect: "manual" });
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBe(location);
  });

  test.each([
    "/api/v1/docs/..%2f..%2fpackage.json",
    "/api/v1/docs/%2e%2e/%2e%2e/package.json",
    "/api/v1/docs/package.json",
    "/api/v1/docs/index.html",
    "/api/v1/docs/swagger-ui-bundle.js.map",
  ])(
    "When the docs page's files are asked for by another name (%s), then nothing but its own assets is served",
    async (path) => {
      const res = await fetch(system.baseUrl + path, { redirect: "manual" });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/"dependencies"|<html/);
    },
  );

  test("When a path no route knows is asked for, then still a 404", async () => {
    const res = await fetch(`${system.baseUrl}/nowhere/at/all`, { redirect: "manual" });
    expect(res.status).toBe(404);
  });
});
