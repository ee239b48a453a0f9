import { ADMIN, hosting, startCluster, type Cluster, describeCluster } from "../harness/cluster";
import { uniqueEmail } from "../harness/http";
import { everyOrderSettled, invariantViolations, snapshot } from "../harness/invariants";
import { waitFor } from "../harness/node-process";

/**
 * Redis, then PostgreSQL, then NATS taken away for a few seconds and brought back while a customer
 * browses and orders: readiness says so, answers are service or 503, and all comes back alone.
 */
const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "services-1", services: "users,catalog,cart,orders,payments,courses,search" },
  { id: "consumers-1", services: hosting("@consumers") },
];
const ADDRESS = { name: "O", line1: "1 Outage Way", city: "Town", postalCode: "1", country: "IT" };
const TIMEOUT_MS = 3000;
const STOCK = 500;

describeCluster("dependency outages under load", () => {
  let cluster: Cluster;
  let admin: string;
  let buyer: string;
  let productId: string;
  const seen: { status: number; ms: number }[] = [];

  beforeAll(async () => {
    cluster = await startCluster(NODES, {
      REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      ORDER_STALE_MS: "2000",
      RATE_LIMIT_API: "1000000",
      RATE_LIMIT_AUTH: "100000",
    });
    const [gw] = cluster.gateways;
    admin = (await gw.post("/api/v1/auth/login", ADMIN)).body.token;
    productId = (
      await gw.post(
        "/api/v1/products",
        { sku: "OUTAGE-1", name: "Outage", price: 100, category: "o", stock: STOCK },
        { token: admin },
      )
    ).body.id;
    buyer = (
      await gw.post("/api/v1/auth/register", {
        email: uniqueEmail("outage"),
        password: "correct-horse",
        name: "O",
      })
    ).body.token;
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  /** Browsing and ordering, one after the other, while `during` takes a dependency away. */
  async function underLoad(during: () => Promise<void>): Promise<void> {
    const [gw] = cluster.gateways;
    let running = true;
    const timed = async (request: () => Promise<{ status: number }>) => {
      const started = Date.now();
      const res = await request().catch(() => ({ status: 0 }));
      seen.push({ status: res.status, ms: Date.now() - started });
    };
    const load = (async () => {
      while (running) {
        await timed(() => gw.get(`/api/v1/products/${productId}`));
        await timed(() =>
          gw.post(
            "/api/v1/orders",
            {
              items: [{ productId, quantity: 1 }],
              shippingAddress: ADDRESS,
              payment: { token: "tok_visa" },
            },
            { token: buyer },
          ),
        );
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await during();
    let last: unknown;
    await waitFor(
      async () => {
        const res = await gw.get("/health/ready");
        last = res.body;
        return res.status === 200;
      },
      30_000,
      "readiness again",
    ).catch((err) => {
      throw new Error(`${err.message}: ${JSON.stringify(last)}`);
    });
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await load;
  }

  const readiness = async () => (await cluster.gateways[0].get("/health/ready")).body;
  const details = async () => (await cluster.gateways[0].get("/health")).body;

  test("When Redis is away for a few seconds, then readiness says so, clients get 503 or service, and all recovers", async () => {
    await underLoad(async () => {
      await cluster.redis.pause();
      await waitFor(
        async () => (await readiness()).checks?.redis === "down",
        10_000,
        "readiness to notice",
      );
      await new Promise((r) => setTimeout(r, 2000));
      await cluster.redis.resume();
    });
  }, 90_000);

  test("When the PostgreSQL database refuses connections for a few seconds, then the details say so, clients get 503 or service, and all recovers", async () => {
    await underLoad(async () => {
      await cluster.database.suspend();
      // The gateway has no database of its own: it stays ready, and its details say degraded.
      await waitFor(async () => (await details()).status !== "up", 10_000, "the details to notice");
      await new Promise((r) => setTimeout(r, 2000));
      await cluster.database.resume();
    });
  }, 90_000);

  test("When NATS is away for a few seconds, then readiness says so, clients get 503 or service, and all recovers", async () => {
    await underLoad(async () => {
      await cluster.nats.pause();
      await waitFor(
        async () => (await readiness()).checks?.transporter === "down",
        10_000,
        "readiness to notice",
      );
      await new Promise((r) => setTimeout(r, 2000));
      await cluster.nats.resume();
    });
  }, 90_000);

  test("When the engagement node is killed, then the gateway stays ready, shop routes answer 200, engagement routes 503 with Retry-After, and all recovers when it returns", async () => {
    const [gw] = cluster.gateways;
    const read = async () => (await gw.get(`/api/v1/products/${productId}`)).status;
    // The shop serves first: the outages before may leave breakers cooling for a few seconds.
    await waitFor(
      async () => (await read()) === 200 && (await read()) === 200 && (await read()) === 200,
      30_000,
      "the shop serving before the kill",
    );
    const consumers = [...cluster.nodes.values()].find((n) => n.services.includes("engagement"))!;
    await consumers.process.stop("SIGKILL");
    const segments = () => gw.get("/api/v1/engagement/segments", { token: admin });
    const refused = await waitFor(
      async () => {
        const res = await segments();
        return res.status === 503 ? res : undefined;
      },
      30_000,
      "engagement routes to answer 503",
    );
    expect(refused.body.type).toBe("SERVICE_UNAVAILABLE");
    expect(refused.headers.get("retry-after")).toBe("1");
    for (let i = 0; i < 5; i++) {
      expect((await gw.get("/health/ready")).status).toBe(200);
      expect(await read()).toBe(200);
    }
    await waitFor(async () => (await details()).status === "degraded", 30_000, "degraded");
    expect((await details()).checks["service:engagement"]).toBe("down");
    await cluster.addNode({ id: `${consumers.id}~2`, services: consumers.services });
    await waitFor(async () => (await segments()).status === 200, 30_000, "engagement back");
    await waitFor(async () => (await details()).status === "up", 30_000, "every service back");
  }, 120_000);

  test("When it is all over, then no answer was a 500 or a hang past the timeout, and nothing was corrupted", async () => {
    const counts = seen.reduce<Record<number, number>>(
      (acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }),
      {},
    );
    const slowest = Math.max(...seen.map((s) => s.ms));
    process.stderr.write(`OUTAGES answers=${JSON.stringify(counts)} slowest=${slowest}ms\n`);
    expect(seen.filter((s) => s.status === 500)).toEqual([]);
    expect(seen.filter((s) => s.status === 0)).toEqual([]);
    expect(slowest).toBeLessThan(TIMEOUT_MS * 4);
    expect(seen.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.status === 201).length).toBeGreaterThan(0);
    const [gw] = cluster.gateways;
    await everyOrderSettled(gw, admin, 60_000);
    expect(invariantViolations(await snapshot(gw, admin, { [productId]: STOCK }))).toEqual([]);
  }, 90_000);
});
