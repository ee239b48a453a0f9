import { ADMIN, type Cluster, SHOP_NODES, startCluster, describeCluster } from "../harness/cluster";
import { everyOrderSettled, invariantViolations, snapshot } from "../harness/invariants";
import { waitFor } from "../harness/node-process";
import { confirmationsSeen, startShoppers, tally } from "../harness/shoppers";

/**
 * The short chaos run of CI: order and browse load through both gateways while nodes are
 * SIGKILLed and restarted. (`npm run bench:chaos` is the long one.)
 */
const KILLS = ["orders-1", "catalog-2", "orders-2", "catalog-1"];
const SHOPPERS = 4;
const STOCK = 5000;

describeCluster("chaos: nodes SIGKILLed and restarted under load", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(SHOP_NODES, {
      RATE_LIMIT_API: "1000000",
      RATE_LIMIT_AUTH: "100000",
      ORDER_STALE_MS: "3000",
      REQUEST_TIMEOUT_MS: "3000",
    });
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  test("When nodes die mid-load, then no order is lost, nothing is oversold or charged twice, and each confirmed order is told and counted once", async () => {
    const [gw1] = cluster.gateways;
    const admin = (await gw1.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await gw1.post(
        "/api/v1/products",
        { sku: "CHAOS-1", name: "Chaos", price: 300, category: "c", stock: STOCK },
        { token: admin },
      )
    ).body;
    const shoppers = await startShoppers(cluster.gateways, product.id, SHOPPERS);

    for (const id of KILLS) {
      await new Promise((r) => setTimeout(r, 1500));
      const spec = cluster.nodes.get(id)!;
      await spec.process.stop("SIGKILL");
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.addNode({ id: spec.id, services: spec.services });
    }
    await new Promise((r) => setTimeout(r, 1500));
    const { reads, checkouts } = await shoppers.stop();

    // Every accepted order reaches a final state; then the books must balance.
    await everyOrderSettled(gw1, admin, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const snap = await snapshot(gw1, admin, { [product.id]: STOCK });
    expect(invariantViolations(snap)).toEqual([]);
    const confirmed = snap.orders.filter((o) => o.status === "CONFIRMED").length;
    process.stderr.write(
      `CHAOS reads=${JSON.stringify(tally(reads))} checkouts=${JSON.stringify(tally(checkouts))} confirmed=${confirmed}\n`,
    );
    expect(confirmed).toBeGreaterThan(20);
    // A read is idempotent: a dead node must cost none of them.
    expect(reads.filter((s) => s !== 200)).toEqual([]);
    // A checkout may fail only if it was running on the node that died, and only with a 503.
    const failed = checkouts.filter((s) => s !== 201);
    expect(failed.filter((s) => s !== 503)).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(SHOPPERS * KILLS.length);
    expect(checkouts.length - failed.length).toBeLessThanOrEqual(confirmed);

    // One confirmation and one analytics count per confirmed order.
    await waitFor(
      async () => {
        const seen = await confirmationsSeen(gw1, admin, shoppers.tokens);
        return seen.told >= confirmed && seen.counted >= confirmed;
      },
      30_000,
      "consumers",
    );
    expect(await confirmationsSeen(gw1, admin, shoppers.tokens)).toEqual({
      told: confirmed,
      counted: confirmed,
    });
  }, 240_000);
});
