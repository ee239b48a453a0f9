import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import { DbMixin } from "../../mixins/db.mixin";
import { OutboxRelayMixin } from "../../mixins/outbox-relay.mixin";
import { embeddedAndPostgres } from "../harness/postgres";
import { startSystem } from "../harness/system";

/**
 * A node starts and stops without a warning: no background loop may run before its store is
 * open or after it has closed. Both once happened (a relay pass on `this.repos` before the store
 * opened, and "Cannot use a pool after calling end on the pool" at every shutdown).
 */
function capturingLogger(lines: string[]): BrokerOptions["logger"] {
  return {
    type: "Console",
    options: {
      level: "warn",
      formatter: (level: string, args: unknown[]) => {
        lines.push(`${level} ${args.map(String).join(" ")}`);
        return [];
      },
    },
  } as BrokerOptions["logger"];
}

const stores = embeddedAndPostgres();

test.each(stores)(
  "When a node on %s starts, works and stops, then it logs no warning",
  async (_name, open) => {
    const lines: string[] = [];
    const { env, drop } = await open();
    const system = await startSystem(
      { ...env, JWT_SECRET: "start-stop-test-secret-of-32-chars!" },
      { logger: capturingLogger(lines) },
    );
    // Long enough for every loop to run a few passes, relay and keeper included.
    await new Promise((r) => setTimeout(r, 1500));
    await system.stop();
    await drop();
    expect(lines).toEqual([]);
  },
);

test("When a relay runs every millisecond, then no pass runs before its store opens or after it closes", async () => {
  const lines: string[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-loops-"));
  const config = createBrokerConfig({
    DATA_DIR: dataDir,
    JWT_SECRET: "x".repeat(32),
    METRICS_ENABLED: "false",
  });
  const broker = new ServiceBroker({ ...config, logger: capturingLogger(lines) });
  // Mixins start in reverse order: the relay's own hooks would run before the store's.
  broker.createService({
    name: "things",
    mixins: [
      DbMixin({ things: [{ fields: ["outboxPending"], range: "number" }] }),
      OutboxRelayMixin("things", 1),
    ],
  });
  for (let round = 0; round < 3; round++) {
    await broker.start();
    await new Promise((r) => setTimeout(r, 30));
    await broker.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
  expect(lines).toEqual([]);
});
