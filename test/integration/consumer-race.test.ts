import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import { describeWith, startNats, type RunningServer } from "../harness/servers";

const SECRET = "race-secret-".padEnd(40, "x");
const ROUNDS = 6;

/**
 * Two nodes of one consumer group starting at the same moment both create its durable
 * consumer; JetStream refuses the second. Each round here is a fresh group, so each start
 * races: every node must start, and both must be members of the group.
 */
describeWith(["nats-server"])("two nodes of one group starting together", () => {
  let nats: RunningServer;
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-race-"));

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function node(id: string, group: string): ServiceBroker {
    const broker = new ServiceBroker({
      ...createBrokerConfig({
        TRANSPORTER: nats.url,
        JWT_SECRET: SECRET,
        NODE_ID: id,
        DATA_DIR: path.join(dir, id),
        LOG_LEVEL: "fatal",
      }),
      metrics: false,
    });
    broker.createService({
      name: `racer-${group}`,
      channels: { "orders.cancelled": { group, handler: async () => undefined } },
    } as never);
    return broker;
  }

  test("When they start at the same moment, then both start and join the group", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const group = `race_${process.pid}_${round}`;
      const pair = [node(`a-${round}`, group), node(`b-${round}`, group)];
      try {
        const started = await Promise.allSettled(pair.map((broker) => broker.start()));
        expect(started.map((s) => s.status)).toEqual(["fulfilled", "fulfilled"]);
      } finally {
        await Promise.allSettled(pair.map((broker) => broker.stop()));
      }
    }
  }, 60_000);
});
