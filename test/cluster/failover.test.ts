import {
  ADMIN,
  handledCalls,
  hosting,
  startCluster,
  type Cluster,
  describeCluster,
} from "../harness/cluster";
import { createProduct, loginToken, placeOrder, registerBuyer } from "../harness/http";
import { everyOrderSettled } from "../harness/invariants";
import { waitFor } from "../harness/node-process";

/**
 * A SIGKILLed node must cost no idempotent call and, of the others, only those it was running.
 * Heartbeats alone (2 s/6 s) would keep routing calls to it for 6–12 s.
 */
const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "catalog-1", services: "catalog,courses,search" },
  { id: "catalog-2", services: "catalog,courses,search" },
  { id: "orders-1", services: "orders" },
  { id: "orders-2", services: "orders" },
  { id: "core-1", services: hosting("users,cart,payments,@consumers") },
];
const HEARTBEAT_TIMEOUT_MS = 6000;

describeCluster("failover: a node SIGKILLed under load", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(NODES, {
      RATE_LIMIT_API: "1000000",
      REQUEST_TIMEOUT_MS: "5000",
      ORDER_STALE_MS: "3000",
      // A gateway answers a product it has read from what it holds, so after the first read no
      // catalog node would be asked and its death would go unseen: every read is routed here.
      GATEWAY_READY_ANSWERS: "0",
    });
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  /** Kills a node while `load` runs; resolves how long until the gateway dropped it. */
  async function killUnderLoad(id: string): Promise<number> {
    const [gateway] = cluster.gateways;
    const admin = (await gateway.post("/api/v1/auth/login", ADMIN)).body.token;
    await cluster.nodes.get(id)!.process.stop("SIGKILL");
    const killedAt = Date.now();
    await waitFor(
      async () => {
        const view = (await gateway.get("/api/v1/cluster", { token: admin })).body;
        return !view.nodes.some(
          (n: { id: string; available: boolean }) => n.id === id && n.available,
        );
      },
      HEARTBEAT_TIMEOUT_MS * 2,
      `${id} gone`,
    );
    return Date.now() - killedAt;
  }

  test("When a catalog node is SIGKILLed, then every read still answers 200 and the gateway drops the node before heartbeats could", async () => {
    const [gateway] = cluster.gateways;
    const product = await createProduct(gateway, await loginToken(gateway, ADMIN), {
      sku: "FAIL-1",
    });

    const statuses: number[] = [];
    let running = true;
    const reader = async () => {
      while (running) {
        // Each read is a call to one catalog node (held answers are off): its cache is there.
        const res = await gateway.get(`/api/v1/products/${product.id}`);
        statuses.push(res.status);
      }
    };
    const load = Promise.all([reader(), reader(), reader()]);
    await waitFor(
      async () => handledCalls(await cluster.metricsOf("catalog-2"), "catalog.get") > 0,
      10_000,
      "catalog-2 serving",
    );

    const gone = await killUnderLoad("catalog-2").finally(() =>
      setTimeout(() => (running = false), 1000),
    );
    await load;

    process.stderr.write(`FAILOVER gone=${gone} reads=${statuses.length}\n`);
    expect(gone).toBeLessThan(HEARTBEAT_TIMEOUT_MS / 2);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);

  test("When an orders node is SIGKILLed, then only the checkouts it was running may fail, with 503, and each of those settles", async () => {
    const [gateway] = cluster.gateways;
    const admin = await loginToken(gateway, ADMIN);
    const product = await createProduct(gateway, admin, { sku: "FAIL-2", stock: 1000 });
    const buyers = await Promise.all([0, 1, 2].map(() => registerBuyer(gateway, "failover")));

    const statuses: number[] = [];
    let running = true;
    const shopper = async (token: string) => {
      while (running) {
        statuses.push((await placeOrder(gateway, token, product.id)).status);
      }
    };
    const load = Promise.all(buyers.map(shopper));
    await waitFor(
      async () => handledCalls(await cluster.metricsOf("orders-2"), "orders.create") > 0,
      10_000,
      "orders-2 serving",
    );

    const gone = await killUnderLoad("orders-2").finally(() =>
      setTimeout(() => (running = false), 1000),
    );
    await load;

    const failed = statuses.filter((s) => s !== 201);
    process.stderr.write(`FAILOVER checkouts=${statuses.length} failed=${failed} gone=${gone}\n`);
    // Three shoppers, one checkout each at a time: at most three were running on the dead node.
    expect(failed.length).toBeLessThanOrEqual(buyers.length);
    expect(failed.every((s) => s === 503)).toBe(true);
    await everyOrderSettled(gateway, admin, 30_000);
  }, 60_000);
});
