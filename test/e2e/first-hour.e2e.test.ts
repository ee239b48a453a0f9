import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { client } from "../harness/http";
import { RUNNER_ARGS, runToEnd } from "../harness/node-process";
import { freePort } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

/** What a newcomer meets in the first hour, following the README: clear refusals, no traces. */
const run = runToEnd;
/** A node started as `npm start` starts one, run until it exits. */
const runner = (env: Record<string, string>) => runToEnd(RUNNER_ARGS.slice(2), env);

/** A stack trace's frames: what an operator should never have to read for a setting. */
const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe("a node already running on the data directory", () => {
  let system: TestSystem;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-first-hour-"));
    system = await startSystem({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("When npm run seed runs beside it, then it refuses with a clear message and writes nothing", async () => {
    const seeded = await run(["scripts/seed.ts"], { DATA_DIR: dataDir, SEED_USERS: "1" });
    expect(seeded.status).toBe(1);
    expect(seeded.out).toMatch(/is in use by another Bazaar process \(pid \d+\)/);
    expect(seeded.out).not.toMatch(STACK_FRAME);
    const products = await client(system.baseUrl).get("/api/v1/products");
    expect(products.body.total).toBe(0);
  }, 60_000);

  test("When a second node (npm run repl) starts on it, then it says why it cannot, without a stack trace", async () => {
    const second = await runner({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
    });
    expect(second.status).toBe(1);
    expect(second.out).toMatch(/is in use by another Bazaar process/);
    expect(second.out).not.toMatch(STACK_FRAME);
  }, 60_000);
});

test("When a setting is wrong, then the node says which and why, without a stack trace", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-bad-setting-"));
  try {
    const started = await runner({ DATA_DIR: dataDir, PORT: "not-a-port" });
    expect(started.status).toBe(1);
    expect(started.out).toContain("PORT:");
    expect(started.out).not.toMatch(STACK_FRAME);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

test.each(["PORT", "METRICS_PORT"])(
  "When %s is taken by another process, then the node says so in one line and stops",
  async (variable) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const taken = (holder.address() as AddressInfo).port;
    const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-port-taken-"));
    try {
      const started = await runner({
        DATA_DIR: dataDir,
        PORT: "0",
        METRICS_PORT: "0",
        [variable]: String(taken),
      });
      expect(started.status).toBe(1);
      expect(started.out).toContain(`Port ${taken} is in use`);
      expect(started.out).toContain(`set ${variable} to a free one`);
      expect(started.out).not.toMatch(STACK_FRAME);
    } finally {
      holder.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  60_000,
);
