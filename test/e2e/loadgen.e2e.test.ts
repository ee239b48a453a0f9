import { spawn } from "node:child_process";
import path from "node:path";
import { startSystem, type TestSystem } from "../harness/system";

/** `npm run loadgen` against a real node: live figures, a summary, and a clear refusal. */
const ROOT = path.join(__dirname, "..", "..");

/** Runs the script in a child process; asynchronously, as the node under load is in this one. */
function loadgen(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/loadgen.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise<{ status: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, out, err })),
  );
}

describe("npm run loadgen", () => {
  let shop: TestSystem;
  let empty: TestSystem;

  beforeAll(async () => {
    [shop, empty] = await Promise.all([
      startSystem({ SEED_DEMO_CATALOG: "true", RATE_LIMIT_API: "100000", RATE_LIMIT_AUTH: "1000" }),
      startSystem(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([shop?.stop(), empty?.stop()]);
  });

  test("When it runs against a seeded shop, then it prints figures every second and a summary with no errors", async () => {
    const run = await loadgen({ BASE_URL: shop.baseUrl, RATE: "40", DURATION: "3", SHOPPERS: "4" });
    expect(run.err).toBe("");
    expect(run.status).toBe(0);
    const lines = run.out.trim().split("\n");
    expect(
      lines.filter((l) => /^\s+\d s\s+[\d.]+ req\/s\s+p50\s+\d+ ms\s+p99\s+\d+ ms/.test(l)).length,
    ).toBeGreaterThanOrEqual(2);
    const total = lines.find((l) => l.startsWith("total"))!;
    expect(total).toMatch(/errors 0$/);
    expect(Number(/([\d.]+) req\/s/.exec(total)![1])).toBeGreaterThan(20);
  }, 60_000);

  test("When the shop has no products, then it stops at once and says to seed", async () => {
    const run = await loadgen({ BASE_URL: empty.baseUrl, DURATION: "1" });
    expect(run.status).toBe(1);
    expect(run.err).toContain('run "npm run seed" first');
  });

  test("When nothing answers at the address, then it fails with the reason", async () => {
    const run = await loadgen({ BASE_URL: "http://127.0.0.1:9", DURATION: "1" });
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/fetch failed|ECONNREFUSED/);
  });
});
