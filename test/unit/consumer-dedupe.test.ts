import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import {
  consumer,
  ConsumerMixin,
  processedRetentionMs,
  sweepProcessed,
} from "../../mixins/channel-consumer.mixin";
import { rawMessage } from "../harness/messages";

describe("a channel consumer", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-consumer-"));
  const handled: string[] = [];
  let failuresLeft = 0;
  const broker = new ServiceBroker({
    ...createBrokerConfig({ DATA_DIR: dataDir, LOG_LEVEL: "fatal" }),
    metrics: false,
  });
  broker.createService({
    name: "counter",
    mixins: [ConsumerMixin],
    channels: {
      "orders.confirmed": consumer<{ n: number }>("counter", async (message) => {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error("flaky");
        }
        handled.push(message.id);
      }),
    },
  });
  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const settle = () => new Promise((r) => setTimeout(r, 300));

  test("When the same message is delivered twice, then it is handled once", async () => {
    const message = rawMessage("orders.confirmed", { n: 1 });
    await broker.sendToChannel("orders.confirmed", message);
    await settle();
    await broker.sendToChannel("orders.confirmed", message);
    await settle();
    expect(handled.filter((id) => id === message.id)).toHaveLength(1);
  });

  test("When the handler fails twice, then back-off retries get it handled, once", async () => {
    failuresLeft = 2;
    const message = rawMessage("orders.confirmed", { n: 2 });
    await broker.sendToChannel("orders.confirmed", message);
    await new Promise((r) => setTimeout(r, 1200));
    expect(handled.filter((id) => id === message.id)).toHaveLength(1);
  });

  test("When a handled message's record outlives the channel's retention, then the sweep drops it", async () => {
    const message = rawMessage("orders.confirmed", { n: 3 });
    await broker.sendToChannel("orders.confirmed", message);
    await settle();
    const service = broker.getLocalService("counter") as unknown as {
      repos: {
        processed_messages: {
          findById(id: string): Promise<{ processedAt: string } | null>;
          deleteMany(filter: object): Promise<number>;
        };
      };
    };
    const processed = service.repos.processed_messages;
    const record = await processed.findById(`counter:${message.id}`);
    const retention = processedRetentionMs(7 * 24);
    expect(await sweepProcessed(processed, retention)).toBe(0);
    const later = Date.parse(record!.processedAt) + retention + 1000;
    expect(await sweepProcessed(processed, retention, later)).toBeGreaterThan(0);
    expect(await processed.findById(`counter:${message.id}`)).toBeNull();
  });
});
