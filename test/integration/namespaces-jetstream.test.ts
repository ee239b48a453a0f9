import { orderMoved } from "../harness/messages";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { connect } from "nats";
import { createBrokerConfig } from "../../broker.config";
import { channelMessage } from "../../platform/messaging/channels";
import { listDeadLetters } from "../../platform/messaging/dead-letters";
import { waitFor } from "../harness/node-process";
import { describeWith, startNats, type RunningServer } from "../harness/servers";
import { Channel } from "../../contracts/channels";

/**
 * Two Bazaar clusters (NAMESPACE) on one NATS server whose JetStream storage is limited, as a
 * shared server's is. Streams used to be made without the namespace (so never used) and to
 * reserve 1 GiB each: the fourth namespace on a shared server never became ready.
 */
const NAMESPACES = ["shop-a", "shop-b"];

describeWith(["nats-server"])("two namespaces on one NATS server", () => {
  let nats: RunningServer;
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-namespaces-"));
  const brokers: ServiceBroker[] = [];
  const received: Record<string, string[]> = { "shop-a": [], "shop-b": [] };

  beforeAll(async () => {
    // Room for two namespaces at the default limits (11 streams of 64 MB each), not at 1 GiB.
    nats = await startNats({ maxFileStoreMb: 1600 });
    for (const namespace of NAMESPACES) {
      const broker = new ServiceBroker({
        ...createBrokerConfig({
          TRANSPORTER: nats.url,
          NAMESPACE: namespace,
          JWT_SECRET: "namespaces-secret-".padEnd(40, "x"),
          DATA_DIR: path.join(dir, namespace),
          LOG_LEVEL: "fatal",
        }),
        metrics: false,
      });
      broker.createService({
        name: "listener",
        channels: {
          [Channel.ORDERS_CONFIRMED](ctx: { params: { id: string } }) {
            received[namespace].push(ctx.params.id);
          },
        },
      });
      await broker.start();
      brokers.push(broker);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop()));
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("When both start, then each has its own streams, named with its namespace, and no stream lacks one", async () => {
    const connection = await connect({ servers: nats.url });
    try {
      const manager = await connection.jetstreamManager();
      const names: string[] = [];
      for await (const stream of manager.streams.list()) names.push(stream.config.name);
      for (const namespace of NAMESPACES) expect(names).toContain(`${namespace}_orders_confirmed`);
      expect(names.filter((n) => !NAMESPACES.some((ns) => n.startsWith(`${ns}_`)))).toEqual([]);
      const info = await manager.streams.info("shop-a_orders_confirmed");
      expect(info.config.max_bytes).toBe(64 * 1024 * 1024);
    } finally {
      await connection.close();
    }
  });

  test("When each publishes, then only its own consumers receive it", async () => {
    const [a, b] = brokers;
    const first = channelMessage(Channel.ORDERS_CONFIRMED, orderMoved({ orderId: "a1" }));
    const second = channelMessage(Channel.ORDERS_CONFIRMED, orderMoved({ orderId: "b1" }));
    await a.sendToChannel(Channel.ORDERS_CONFIRMED, first);
    await b.sendToChannel(Channel.ORDERS_CONFIRMED, second);
    await waitFor(
      async () => received["shop-a"].length === 1 && received["shop-b"].length === 1,
      10_000,
      "both deliveries",
    );
    expect(received).toEqual({ "shop-a": [first.id], "shop-b": [second.id] });
  });

  test("When an operator lists dead letters in a namespace, then its own stream answers", async () => {
    for (const broker of brokers) await expect(listDeadLetters(broker)).resolves.toEqual([]);
  });
});
