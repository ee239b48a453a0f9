import { placeOrder, uniqueEmail } from "../harness/http";
import {
  ADMIN,
  handledCalls,
  hosting,
  startCluster,
  type Cluster,
  describeCluster,
} from "../harness/cluster";
import { waitFor } from "../harness/node-process";

const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "gateway-2", services: "api" },
  { id: "catalog-1", services: "catalog,courses,search" },
  { id: "catalog-2", services: "catalog,courses,search" },
  { id: "orders-1", services: "orders" },
  { id: "orders-2", services: "orders" },
  { id: "users-1", services: "users" },
  { id: "cart-1", services: "cart" },
  { id: "payments-1", services: "payments" },
  { id: "notifications-1", services: hosting("@consumers") },
  { id: "analytics-1", services: "analytics" },
];

describeCluster("a cluster of 11 nodes over NATS, Redis and PostgreSQL", () => {
  let cluster: Cluster;
  let admin: string;
  let product: { id: string };

  beforeAll(async () => {
    cluster = await startCluster(NODES, {
      RATE_LIMIT_AUTH: "8",
      RATE_LIMIT_API: "100000",
      TRUST_PROXY_HOPS: "1",
    });
    const [gw1] = cluster.gateways;
    admin = (
      await gw1.post("/api/v1/auth/login", ADMIN, { headers: { "x-forwarded-for": "1.1.1.1" } })
    ).body.token;
    product = (
      await gw1.post(
        "/api/v1/products",
        { sku: "CLUSTER-1", name: "Clustered", price: 500, category: "c", stock: 1000 },
        { token: admin },
      )
    ).body;
  }, 180_000);

  afterAll(() => cluster?.stop(), 60_000);

  test("When every node has started, then each gateway sees all nodes and every service's instances", async () => {
    for (const gateway of cluster.gateways) {
      const res = await gateway.get("/api/v1/cluster", { token: admin });
      expect(res.status).toBe(200);
      const available = res.body.nodes.filter((n: { available: boolean }) => n.available);
      expect(available.map((n: { id: string }) => n.id).sort()).toEqual(
        NODES.map((n) => n.id).sort(),
      );
      const instances = Object.fromEntries(
        res.body.services.map((s: { name: string; instances: number }) => [s.name, s.instances]),
      );
      expect(instances).toMatchObject({ api: 2, catalog: 2, orders: 2, users: 1, payments: 1 });
    }
  });

  test("When calls come in through both gateways, then both catalog and both orders nodes take a share", async () => {
    const buyer = (
      await cluster.gateways[0].post(
        "/api/v1/auth/register",
        { email: uniqueEmail("cluster"), password: "correct-horse", name: "M" },
        { headers: { "x-forwarded-for": "2.2.2.2" } },
      )
    ).body.token;
    for (let i = 0; i < 10; i++) {
      const gateway = cluster.gateways[i % 2];
      const res = await placeOrder(gateway, buyer, product.id);
      expect(res.status).toBe(201);
    }
    for (const id of ["catalog-1", "catalog-2"])
      expect(handledCalls(await cluster.metricsOf(id), "catalog.reserve")).toBeGreaterThan(0);
    for (const id of ["orders-1", "orders-2"])
      expect(handledCalls(await cluster.metricsOf(id), "orders.create")).toBeGreaterThan(0);
  });

  test("When a gateway routes product reads it does not hold, then both catalog nodes take a share", async () => {
    const [gw1] = cluster.gateways;
    const readsOn = async () =>
      Promise.all(
        ["catalog-1", "catalog-2"].map(async (id) =>
          handledCalls(await cluster.metricsOf(id), "catalog.get"),
        ),
      );
    const before = await readsOn();
    for (let i = 0; i < 20; i++)
      expect((await gw1.get(`/api/v1/products/never-made-${i}`)).status).toBe(404);
    const taken = (await readsOn()).map((n, i) => n - before[i]);
    expect(taken[0] + taken[1]).toBe(20);
    expect(Math.min(...taken)).toBeGreaterThanOrEqual(5);
  });

  test("When an admin changes a product through one gateway, then the other gateway shows it at once", async () => {
    const [gw1, gw2] = cluster.gateways;
    for (let i = 0; i < 4; i++) await gw2.get(`/api/v1/products/${product.id}`); // cached on both catalog nodes
    const patched = await gw1.patch(
      `/api/v1/products/${product.id}`,
      { price: 650 },
      { token: admin },
    );
    expect(patched.status).toBe(200);
    for (let i = 0; i < 4; i++)
      expect((await gw2.get(`/api/v1/products/${product.id}`)).body.price).toBe(650);
  });

  test("When one address logs in through both gateways, then one budget is spent", async () => {
    const headers = { "x-forwarded-for": "9.9.9.9" };
    const attempt = (i: number) =>
      cluster.gateways[i % 2].post(
        "/api/v1/auth/login",
        { email: "x@example.com", password: "wrong-pass" },
        { headers },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(i)).status);
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(401));
    expect(statuses.slice(8)).toEqual([429, 429]);
  });

  test("When a catalog node is added while running, then it takes a share of the calls", async () => {
    await cluster.addNode({ id: "catalog-3", services: "catalog" });
    const [gw1] = cluster.gateways;
    await waitFor(
      async () => {
        const res = await gw1.get("/api/v1/cluster", { token: admin });
        return (
          res.body.services.find((s: { name: string }) => s.name === "catalog")?.instances === 3
        );
      },
      20_000,
      "the third catalog node",
    );
    for (let i = 0; i < 30; i++) await gw1.get(`/api/v1/products?page=${(i % 5) + 1}`);
    expect(handledCalls(await cluster.metricsOf("catalog-3"), "catalog.list")).toBeGreaterThan(0);
  }, 60_000);

  test("When a gateway's process is paused longer than a heartbeat timeout, then on waking it still knows every node and serves at once", async () => {
    const gw2 = cluster.nodes.get("gateway-2")!;
    const [, gateway] = cluster.gateways;
    expect((await gateway.get(`/api/v1/products/${product.id}`)).status).toBe(200);
    // Longer than HEARTBEAT_TIMEOUT (6 s): asleep, it hears no heartbeat from anyone.
    gw2.process.process.kill("SIGSTOP");
    await new Promise((r) => setTimeout(r, 8000));
    gw2.process.process.kill("SIGCONT");
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 20; i++)
      expect((await gateway.get(`/api/v1/products/${product.id}`)).status).toBe(200);
    const nodes = (await gateway.get("/api/v1/cluster", { token: admin })).body.nodes;
    expect(nodes.filter((n: { available: boolean }) => !n.available)).toEqual([]);
    expect(gw2.process.output()).not.toMatch(/Heartbeat is not received/);
  }, 60_000);
});
