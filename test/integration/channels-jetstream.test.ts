import { orderMoved } from "../harness/messages";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import { channelMessage, DEAD_LETTER_CHANNEL } from "../../platform/messaging/channels";
import { listDeadLetters, replayDeadLetter } from "../../platform/messaging/dead-letters";
import { waitFor } from "../harness/node-process";
import { describeWith, freePort, startNats, type RunningServer } from "../harness/servers";
import { Channel } from "../../contracts/channels";

const ROOT = path.join(__dirname, "..", "..");
const SECRET = "channels-secret-".padEnd(40, "x");

describeWith(["nats-server"])("durable channels over real NATS JetStream", () => {
  let nats: RunningServer;
  let publisher: ServiceBroker;
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-channels-"));
  const recordFile = path.join(dir, "received.log");
  const deadLetters: { id: string }[] = [];

  let recorderMetricsPort = 0;
  function startRecorder(extraEnv: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, ["--import", "tsx", "test/fixtures/recorder-node.ts"], {
      cwd: ROOT,
      stdio: "ignore",
      env: {
        PATH: process.env.PATH,
        TRANSPORTER: nats.url,
        JWT_SECRET: SECRET,
        DATA_DIR: path.join(dir, "recorder-data"),
        METRICS_PORT: String(recorderMetricsPort),
        LOG_LEVEL: "error",
        RECORD_FILE: recordFile,
        RECORD_DELAY_MS: "10",
        CHANNEL_ACK_WAIT_SECONDS: "3",
        ...extraEnv,
      },
    });
  }
  const received = () =>
    existsSync(recordFile)
      ? readFileSync(recordFile, "utf8")
          .split("\n")
          .filter((l) => l && !l.startsWith("#"))
      : [];
  const starts = () =>
    existsSync(recordFile) ? readFileSync(recordFile, "utf8").split("#started").length - 1 : 0;

  beforeAll(async () => {
    nats = await startNats();
    publisher = new ServiceBroker({
      ...createBrokerConfig({
        TRANSPORTER: nats.url,
        JWT_SECRET: SECRET,
        DATA_DIR: path.join(dir, "publisher-data"),
        LOG_LEVEL: "fatal",
      }),
      metrics: false,
    });
    publisher.createService({
      name: "dead-letter-reader",
      channels: {
        [DEAD_LETTER_CHANNEL]: {
          group: "dead-letter-reader",
          // Channel handlers get a Context (the middleware runs with `context: true`).
          handler(ctx: { params: { id: string } }) {
            deadLetters.push(ctx.params);
          },
        },
      },
    });
    await publisher.start();
  }, 30_000);

  afterAll(async () => {
    await publisher?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("When messages are published before any consumer exists, then none is lost", async () => {
    const early = channelMessage(Channel.ORDERS_CONFIRMED, orderMoved({ n: -1 }));
    await publisher.sendToChannel(Channel.ORDERS_CONFIRMED, early);
    const recorder = startRecorder();
    try {
      await waitFor(async () => received().includes(early.id), 20_000, "the early message");
    } finally {
      recorder.kill("SIGTERM");
      await new Promise((r) => recorder.once("exit", r));
    }
  }, 40_000);

  test("When the consumer is killed mid-stream and restarted, then every message arrives", async () => {
    const messages = Array.from({ length: 300 }, (_, n) =>
      channelMessage(Channel.ORDERS_CONFIRMED, orderMoved({ n })),
    );
    let recorder = startRecorder();
    const startsBefore = starts();
    await waitFor(async () => starts() > startsBefore, 20_000, "the recorder to start");
    for (const m of messages) await publisher.sendToChannel(Channel.ORDERS_CONFIRMED, m);
    const ids = new Set(messages.map((m) => m.id));
    await waitFor(
      async () => received().filter((id) => ids.has(id)).length >= 60,
      20_000,
      "some deliveries",
    );
    recorder.kill("SIGKILL");
    await new Promise((r) => recorder.once("exit", r));
    const beforeRestart = received().filter((id) => ids.has(id)).length;
    expect(beforeRestart).toBeLessThan(messages.length);

    recorder = startRecorder();
    try {
      // Messages the killed consumer held come back after the ack wait (3 s here).
      await waitFor(
        async () => new Set(received().filter((id) => ids.has(id))).size === messages.length,
        30_000,
        "every message after the restart",
      );
    } finally {
      recorder.kill("SIGTERM");
      await new Promise((r) => recorder.once("exit", r));
    }
  }, 120_000);

  test("When a consumer group falls behind, then its lag is JetStream's count of what it has yet to handle, down to 0", async () => {
    // Published while no member of the group runs: all of it waits in JetStream. The recorder
    // then takes 8 s (10 in flight, 1 s each), so the lag, read every 5 s, is seen falling.
    const backlog = Array.from({ length: 80 }, (_, n) =>
      channelMessage(Channel.ORDERS_CONFIRMED, orderMoved({ n })),
    );
    for (const m of backlog) await publisher.sendToChannel(Channel.ORDERS_CONFIRMED, m);
    recorderMetricsPort = await freePort();
    const recorder = startRecorder({ RECORD_DELAY_MS: "1000" });
    const lag = async () => {
      const metrics = await fetch(`http://127.0.0.1:${recorderMetricsPort}/metrics`)
        .then((r) => r.text())
        .catch(() => "");
      const line = metrics
        .split("\n")
        .find(
          (l) =>
            l.startsWith("bazaar_channels_lag{") &&
            l.includes('channel="orders.confirmed"') &&
            l.includes('group="recorder"'),
        );
      return line ? Number(line.split(" ").pop()) : undefined;
    };
    try {
      const seen: number[] = [];
      await waitFor(
        async () => {
          const value = await lag();
          if (value !== undefined) seen.push(value);
          return value !== undefined && value >= 10;
        },
        20_000,
        "a lag of the backlog's size",
      );
      const ids = new Set(backlog.map((m) => m.id));
      await waitFor(
        async () => new Set(received().filter((id) => ids.has(id))).size === backlog.length,
        30_000,
        "the backlog handled",
      );
      await waitFor(async () => (await lag()) === 0, 15_000, "the lag back to 0");
      expect(Math.max(...seen)).toBeLessThanOrEqual(backlog.length);
    } finally {
      recorder.kill("SIGTERM");
      await new Promise((r) => recorder.once("exit", r));
    }
  }, 90_000);

  test("When a message can never be handled, then it lands in the dead-letter channel and is counted", async () => {
    recorderMetricsPort = await freePort();
    const recorder = startRecorder();
    try {
      const poison = channelMessage(Channel.ORDERS_CONFIRMED, orderMoved({ n: 0, poison: true }));
      await publisher.sendToChannel(Channel.ORDERS_CONFIRMED, poison);
      await waitFor(
        async () => deadLetters.some((d) => d.id === poison.id),
        30_000,
        "the dead letter",
      );
      expect(received()).not.toContain(poison.id);
      const metrics = await (await fetch(`http://127.0.0.1:${recorderMetricsPort}/metrics`)).text();
      const sample = (name: string) =>
        metrics
          .split("\n")
          .find((l) => l.startsWith(`${name}{`) && l.includes('channel="orders.confirmed"'));
      expect(sample("bazaar_channels_dead_letters_total")).toMatch(/ 1$/);
      expect(sample("bazaar_channels_failures_total")).toMatch(/ [1-9]\d*$/);
    } finally {
      recorder.kill("SIGTERM");
      await new Promise((r) => recorder.once("exit", r));
    }
  }, 60_000);

  test("When an operator lists the dead letters and replays one, then it goes back to its channel and its consumer sees it again", async () => {
    const recorder = startRecorder();
    try {
      const letters = await listDeadLetters(publisher);
      const poison = letters.find((l) => l.channel === Channel.ORDERS_CONFIRMED);
      expect(poison).toMatchObject({ group: "recorder", type: Channel.ORDERS_CONFIRMED });
      const replayed = await replayDeadLetter(publisher, poison!.seq);
      expect(replayed.id).toBe(poison!.id);
      expect((await listDeadLetters(publisher)).map((l) => l.seq)).not.toContain(poison!.seq);
      // Still indigestible: the recorder fails on it again, and it is parked again.
      await waitFor(
        async () =>
          (await listDeadLetters(publisher)).some(
            (l) => l.id === poison!.id && l.seq > poison!.seq,
          ),
        30_000,
        "parked again",
      );
      await expect(replayDeadLetter(publisher, 999_999)).rejects.toThrow("No dead letter #999999");
    } finally {
      recorder.kill("SIGTERM");
      await new Promise((r) => recorder.once("exit", r));
    }
  }, 60_000);
});
