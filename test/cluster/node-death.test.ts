import { ALL_SERVICES } from "../../app/settings";
import {
  ADMIN,
  type Cluster,
  describeCluster,
  killOneAndRestart,
  liveGateways,
  startCluster,
} from "../harness/cluster";
import { everyOrderSettled, invariantViolations, snapshot } from "../harness/invariants";
import { startRetryingClients } from "../harness/retrying-clients";
import { client } from "../harness/http";

/**
 * A node's death as a shop's clients meet it (the short run of `npm run bench:node-death`):
 * three nodes, each hosting every service; a random one SIGKILLed every 10 s and started again
 * 3 s later; clients that retry each order on another node with its `Idempotency-Key`, each
 * attempt given 5 s, the order 20 s. No client may give up, and the books must balance.
 */
const NODES = ["node-1", "node-2", "node-3"].map((id) => ({
  id,
  services: ALL_SERVICES.join(","),
}));
const KILLS = 3;
const STOCK = 100_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCluster("a node's death under retrying clients", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(NODES, {
      RATE_LIMIT_API: "1000000",
      RATE_LIMIT_AUTH: "100000",
      REQUEST_TIMEOUT_MS: "3000",
    });
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  test("When a node is killed every 10 s, then every order gets its final answer within the client's 20 s, and no order is lost, oversold or charged twice", async () => {
    const [gw] = cluster.gateways;
    const admin = (await gw.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await gw.post(
        "/api/v1/products",
        { sku: "DEATH-1", name: "Death", price: 300, category: "c", stock: STOCK },
        { token: admin },
      )
    ).body;
    const alive = () => liveGateways(cluster);
    const clients = await startRetryingClients(alive, product.id, { count: 6 });
    const kills: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(10_000);
      kills.push(await killOneAndRestart(cluster, NODES, 3000));
    }
    await sleep(5000);
    const orders = await clients.stop();

    const waits = orders
      .filter((o) => o.answeredAt)
      .map((o) => o.answeredAt! - o.startedAt)
      .sort((a, b) => a - b);
    const at = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))];
    process.stderr.write(
      `NODE-DEATH kills=${kills.join(",")} orders=${orders.length} ` +
        `answered p50=${at(0.5)}ms p99=${at(0.99)}ms max=${waits.at(-1)}ms ` +
        `attempts-timed-out=${orders.reduce((n, o) => n + o.timedOut, 0)}\n`,
    );
    expect(orders.length).toBeGreaterThan(50);
    expect(orders.filter((o) => o.answeredAt === undefined)).toEqual([]);
    expect(orders.filter((o) => o.status !== 201)).toEqual([]);

    // Through a node alive now: the first gateway may have been one of those killed.
    const front = client(() => alive()[0]);
    await everyOrderSettled(front, admin, 60_000);
    const snap = await snapshot(front, admin, { [product.id]: STOCK });
    expect(invariantViolations(snap)).toEqual([]);
  }, 240_000);
});
