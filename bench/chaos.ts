/**
 * The long chaos run (CI runs a short one: test/cluster/chaos.test.ts). Shoppers browse and buy
 * through a readiness-checking front door over two gateways; every few seconds a random node is
 * SIGKILLed and restarted; then every node is replaced by a rolling SIGTERM restart. At the end
 * the invariants of architecture §5 are checked and the answers are counted.
 *
 *   npm run bench:chaos                        # 120 s of kills, one every 4 s
 *   DURATION=300 KILL_EVERY_MS=2000 npm run bench:chaos
 *   SHUTDOWN_DELAY_MS=3000 npm run bench:chaos    # nodes serve longer after leaving
 *   SHOW_LOGS=1 npm run bench:chaos                # and the nodes' warnings, counted
 */
import {
  ADMIN,
  frontDoor,
  rollingRestart,
  SHOP_NODES,
  startCluster,
} from "../test/harness/cluster";
import { everyOrderSettled, invariantViolations, snapshot } from "../test/harness/invariants";
import { waitFor } from "../test/harness/node-process";
import { confirmationsSeen, startShoppers, tally } from "../test/harness/shoppers";
import { DURATION } from "../test/harness/load";

const KILL_EVERY_MS = Number(process.env.KILL_EVERY_MS ?? 4000);
const STOCK = 1_000_000;
// The shop's cluster, with a second node for users, cart and payments.
const NODES = [...SHOP_NODES, { id: "core-2", services: "users,cart,payments" }];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const cluster = await startCluster(NODES, {
    RATE_LIMIT_API: "10000000",
    RATE_LIMIT_AUTH: "100000",
    ORDER_STALE_MS: "3000",
    REQUEST_TIMEOUT_MS: "3000",
    SHUTDOWN_DELAY_MS: process.env.SHUTDOWN_DELAY_MS ?? "1000",
  });
  const front = frontDoor(cluster);
  try {
    await waitFor(async () => (await front.get("/health/ready")).status === 200, 10_000, "front");
    const admin = (await front.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await front.post(
        "/api/v1/products",
        { sku: "CHAOS-LONG", name: "Chaos", price: 300, category: "c", stock: STOCK },
        { token: admin },
      )
    ).body;

    let shoppers = await startShoppers([front], product.id, 6);
    const kills: string[] = [];
    for (const end = Date.now() + DURATION * 1000; Date.now() < end;) {
      await sleep(KILL_EVERY_MS);
      const running = [...cluster.nodes.values()].filter(
        (n) => n.process.process.exitCode === null && n.process.process.signalCode === null,
      );
      const victim = running[Math.floor(Math.random() * running.length)];
      kills.push(victim.id);
      await victim.process.stop("SIGKILL");
      await sleep(1000);
      await cluster.addNode({ id: victim.id, services: victim.services });
    }
    const chaos = await shoppers.stop();

    const tokens = shoppers.tokens;
    shoppers = await startShoppers([front], product.id, 6);
    await rollingRestart(cluster, admin);
    const rolling = await shoppers.stop();
    tokens.push(...shoppers.tokens);

    await everyOrderSettled(front, admin, 120_000);
    const snap = await snapshot(front, admin, { [product.id]: STOCK });
    const confirmed = snap.orders.filter((o) => o.status === "CONFIRMED").length;
    await waitFor(
      async () => {
        const seen = await confirmationsSeen(front, admin, tokens);
        return seen.told >= confirmed && seen.counted >= confirmed;
      },
      120_000,
      "consumers caught up",
    ).catch(() => undefined);
    const seen = await confirmationsSeen(front, admin, tokens);

    console.log(`\n${DURATION} s of chaos, ${kills.length} SIGKILLs: ${kills.join(", ")}`);
    console.log(`  reads     ${JSON.stringify(tally(chaos.reads))}`);
    console.log(`  checkouts ${JSON.stringify(tally(chaos.checkouts))}`);
    console.log(`rolling SIGTERM restart of every node`);
    console.log(`  reads     ${JSON.stringify(tally(rolling.reads))}`);
    console.log(`  checkouts ${JSON.stringify(tally(rolling.checkouts))}`);
    console.log(`orders ${snap.orders.length}, CONFIRMED ${confirmed}`);
    console.log(
      `notifications ${seen.told}, analytics count ${seen.counted} (each must be ${confirmed})`,
    );
    const violations = invariantViolations(snap);
    console.log(
      violations.length ? `VIOLATIONS:\n  ${violations.join("\n  ")}` : "invariants hold",
    );
    if (process.env.SHOW_LOGS) {
      const counts = new Map<string, number>();
      for (const node of cluster.nodes.values())
        for (const line of node.process.output().split("\n"))
          if (/WARN|ERROR/.test(line)) {
            const key = line.replace(/^\[[^\]]*\]\s*/, "").replace(/[0-9a-f-]{36}/g, "…");
            counts.set(key.slice(0, 160), (counts.get(key.slice(0, 160)) ?? 0) + 1);
          }
      for (const [line, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 30))
        console.log(`${String(n).padStart(5)} × ${line}`);
    }
    if (violations.length || seen.told !== confirmed || seen.counted !== confirmed)
      process.exitCode = 1;
  } finally {
    front.close();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
