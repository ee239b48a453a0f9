import {
  ADMIN,
  type Cluster,
  frontDoor,
  rollingRestart,
  SHOP_NODES,
  startCluster,
  describeCluster,
} from "../harness/cluster";
import { invariantViolations, snapshot } from "../harness/invariants";
import { waitFor } from "../harness/node-process";
import { startShoppers, tally } from "../harness/shoppers";

/**
 * A rolling restart the way a Kubernetes Deployment does one (a new node first, then SIGTERM to
 * the old), under steady load through a readiness-checking front door: not one request may fail.
 */
const STOCK = 5000;

describeCluster("rolling restart: every node replaced by SIGTERM under load", () => {
  let cluster: Cluster;
  let front: ReturnType<typeof frontDoor>;

  beforeAll(async () => {
    cluster = await startCluster(SHOP_NODES, {
      RATE_LIMIT_API: "1000000",
      RATE_LIMIT_AUTH: "100000",
      SHUTDOWN_DELAY_MS: "1000",
    });
    front = frontDoor(cluster);
    await waitFor(async () => (await front.get("/health/ready")).status === 200, 10_000, "front");
  }, 180_000);
  afterAll(async () => {
    front?.close();
    await cluster?.stop();
  }, 60_000);

  test("When each node in turn is replaced and sent SIGTERM, then no request fails and the books balance", async () => {
    const admin = (await front.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await front.post(
        "/api/v1/products",
        { sku: "ROLL-1", name: "Rolling", price: 250, category: "r", stock: STOCK },
        { token: admin },
      )
    ).body;
    const shoppers = await startShoppers([front], product.id);

    await rollingRestart(cluster, admin);
    const { reads, checkouts } = await shoppers.stop();

    process.stderr.write(
      `ROLLING reads=${JSON.stringify(tally(reads))} checkouts=${JSON.stringify(tally(checkouts))}\n`,
    );
    expect(reads.length + checkouts.length).toBeGreaterThan(100);
    expect(reads.filter((s) => s !== 200)).toEqual([]);
    expect(checkouts.filter((s) => s !== 201)).toEqual([]);

    const snap = await snapshot(front, admin, { [product.id]: STOCK });
    expect(invariantViolations(snap)).toEqual([]);
    expect(snap.orders.every((o) => o.status === "CONFIRMED")).toBe(true);

    // Every node here was started into a running cluster: none ran a loop before its channels.
    const failedPasses = [...cluster.nodes.values()].flatMap((node) =>
      node.process
        .output()
        .split("\n")
        .filter((line) => line.includes("pass failed"))
        .map((line) => `${node.id}: ${line}`),
    );
    expect(failedPasses).toEqual([]);
  }, 300_000);
});
