import { waitFor } from "../harness/node-process";
import { createDatabase, postgresAvailable, type TestDatabase } from "../harness/postgres";
import { freePort } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

/** A node without the gateway answers its own probes, and says when its store is away. */
const describePg = postgresAvailable() ? describe : describe.skip;

describePg("a node's own health endpoint", () => {
  let database: TestDatabase;
  let system: TestSystem;
  let base: string;

  beforeAll(async () => {
    database = await createDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    system = await startSystem({
      SERVICES: "catalog,cart",
      DB_URI: database.uri,
      HEALTH_PORT: String(port),
    });
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test("When a catalog node is probed, then it is live and ready, and names each local service", async () => {
    expect(await get("/health/live")).toEqual({ status: 200, body: { status: "up" } });
    const ready = await get("/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: "up",
      checks: { broker: "up", "service:catalog": "up", "service:cart": "up" },
    });
  });

  test("When its database refuses connections, then readiness answers 503 without saying why, and 200 again once it is back", async () => {
    await database.suspend();
    try {
      const down = await waitFor(
        async () => {
          const res = await get("/health/ready");
          return res.status === 503 && res;
        },
        10_000,
        "not ready",
      );
      expect(down.body.status).toBe("down");
      expect(JSON.stringify(down.body)).not.toMatch(/postgres|ECONN|password|127\.0\.0\.1/i);
      expect((await get("/health/live")).status).toBe(200);
    } finally {
      await database.resume();
    }
    await waitFor(async () => (await get("/health/ready")).status === 200, 10_000, "ready again");
  });

  test("When another path is asked for, then it is a 404", async () => {
    expect((await get("/metrics")).status).toBe(404);
  });
});
