import { ADMIN, startCluster, type Cluster } from "../harness/cluster";
import { uniqueEmail, type Client } from "../harness/http";
import { invariantViolations, snapshot } from "../harness/invariants";
import { waitFor } from "../harness/node-process";
import { postgresAvailable } from "../harness/postgres";
import { describeWith } from "../harness/servers";

/**
 * The short chaos run of CI: order and browse load through both gateways while nodes are
 * SIGKILLed and restarted. (`bench/` holds the long one.)
 */
const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "gateway-2", services: "api" },
  { id: "catalog-1", services: "catalog" },
  { id: "catalog-2", services: "catalog" },
  { id: "orders-1", services: "orders" },
  { id: "orders-2", services: "orders" },
  { id: "core-1", services: "users,cart,payments" },
  { id: "consumers-1", services: "notifications,analytics" },
];
const ADDRESS = { name: "C", line1: "1 Chaos Rd", city: "Town", postalCode: "1", country: "FR" };
const KILLS = ["orders-1", "catalog-2", "orders-2", "catalog-1"];
const STOCK = 400;

const describeCluster = postgresAvailable()
  ? describeWith(["nats-server", "redis-server"])
  : describe.skip;

describeCluster("chaos: nodes SIGKILLed and restarted under load", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(NODES, {
      RATE_LIMIT_API: "1000000",
      RATE_LIMIT_AUTH: "100000",
      ORDER_STALE_MS: "3000",
      REQUEST_TIMEOUT_MS: "3000",
    });
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  test("When nodes die mid-load, then no order is lost, nothing is oversold or charged twice, and each confirmed order is told and counted once", async () => {
    const [gw1, gw2] = cluster.gateways;
    const admin = (await gw1.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await gw1.post(
        "/api/v1/products",
        { sku: "CHAOS-1", name: "Chaos", price: 300, category: "c", stock: STOCK },
        { token: admin },
      )
    ).body;
    const buyers = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const gw = i % 2 ? gw2 : gw1;
        const res = await gw.post("/api/v1/auth/register", {
          email: uniqueEmail("chaos"),
          password: "correct-horse",
          name: "C",
        });
        return { gw, token: res.body.token as string };
      }),
    );

    const statuses: number[] = [];
    let running = true;
    const shopper = async ({ gw, token }: { gw: Client; token: string }) => {
      while (running) {
        const browse = await gw.get(`/api/v1/products/${product.id}`).catch(() => ({ status: 0 }));
        statuses.push(browse.status);
        const res = await gw
          .post(
            "/api/v1/orders",
            {
              items: [{ productId: product.id, quantity: 1 }],
              shippingAddress: ADDRESS,
              payment: { token: "tok_visa" },
            },
            { token },
          )
          .catch(() => ({ status: 0 }));
        statuses.push(res.status);
      }
    };
    const load = Promise.all(buyers.map(shopper));

    for (const id of KILLS) {
      await new Promise((r) => setTimeout(r, 1500));
      const spec = cluster.nodes.get(id)!;
      await spec.process.stop("SIGKILL");
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.addNode({ id: spec.id, services: spec.services });
    }
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await load;

    // Every accepted order reaches a final state; then the books must balance.
    await waitFor(
      async () => {
        const res = await gw1.get("/api/v1/orders?status=PENDING&pageSize=1", { token: admin });
        return res.status === 200 && res.body.total === 0;
      },
      60_000,
      "every order settled",
    );
    await new Promise((r) => setTimeout(r, 1000));
    const snap = await snapshot(gw1, admin, { [product.id]: STOCK });
    expect(invariantViolations(snap)).toEqual([]);
    const confirmed = snap.orders.filter((o) => o.status === "CONFIRMED").length;
    expect(confirmed).toBeGreaterThan(20);
    expect(statuses.filter((s) => s === 500)).toEqual([]);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(confirmed);

    // One confirmation and one analytics count per confirmed order.
    const told = async () => {
      let n = 0;
      for (const buyer of buyers) {
        const res = await gw1.get("/api/v1/notifications?pageSize=100", { token: buyer.token });
        n += (res.body.rows ?? []).filter(
          (r: { type: string }) => r.type === "order_confirmed",
        ).length;
      }
      return n;
    };
    const counted = async () => {
      const from = new Date(Date.now() - 10 * 60_000).toISOString();
      const res = await gw1.get(`/api/v1/analytics/orders?from=${from}`, { token: admin });
      return (res.body.windows ?? []).reduce((n: number, w: { orders: number }) => n + w.orders, 0);
    };
    await waitFor(
      async () => (await told()) >= confirmed && (await counted()) >= confirmed,
      30_000,
      "consumers",
    );
    expect(await told()).toBe(confirmed);
    expect(await counted()).toBe(confirmed);
  }, 240_000);
});
