/**
 * Loads the demo catalog into an empty catalog.
 *   npm run seed                       embedded: writes to DATA_DIR (run it before npm start,
 *                                      or use SEED_DEMO_CATALOG=true npm start instead)
 *   TRANSPORTER=nats://… npm run seed  cluster: asks a running catalog node to do it
 */
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { createBrokerConfig } from "../broker.config";

async function main() {
  const config = createBrokerConfig({ LOG_LEVEL: "warn", ...process.env, METRICS_PORT: "0" });
  const broker = new ServiceBroker({ ...config, metrics: false, nodeID: `seed-${process.pid}` });
  if (!config.transporter)
    broker.loadService(path.join(__dirname, "..", "services", "catalog", "catalog.service.ts"));
  await broker.start();
  try {
    await broker.waitForServices(["catalog"], 30_000);
    const { seeded } = await broker.call<{ seeded: number }>("catalog.seed");
    console.log(
      seeded ? `Seeded ${seeded} demo products.` : "The catalog is not empty: nothing seeded.",
    );
  } finally {
    await broker.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
