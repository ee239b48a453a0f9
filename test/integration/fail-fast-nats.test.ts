import { ServiceBroker } from "moleculer";
import { FailFastNatsTransporter } from "../../platform/runtime/fail-fast-nats";
import { toHttpError } from "../../services/api/http-errors";
import { describeWith, startNats, type RunningServer } from "../harness/servers";
import { waitFor } from "../harness/node-process";
import { RerouteUndeliveredMiddleware } from "../../platform/middlewares/reroute-undelivered";

/** Three brokers on a real nats-server; one loses its connection the way a killed process does. */
describeWith(["nats-server"])("fail-fast NATS transporter", () => {
  let nats: RunningServer;
  let brokers: ServiceBroker[] = [];

  const broker = (nodeID: string) =>
    new ServiceBroker({
      nodeID,
      logger: false,
      transporter: new FailFastNatsTransporter({ url: nats.url }),
      // Heartbeats far too slow to notice anything within the test.
      heartbeatInterval: 30,
      heartbeatTimeout: 90,
      requestTimeout: 5000,
      registry: { strategy: "RoundRobin" },
      middlewares: [RerouteUndeliveredMiddleware()],
    });

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats?.stop());

  beforeEach(async () => {
    brokers = ["caller", "worker-1", "worker-2"].map(broker);
    const [, ...workers] = brokers;
    for (const w of workers) {
      w.createService({
        name: "work",
        actions: {
          where: () => w.nodeID,
          slow: async () => {
            await new Promise((r) => setTimeout(r, 3000));
            return w.nodeID;
          },
          slowOnce: {
            idempotent: true,
            async handler() {
              await new Promise((r) => setTimeout(r, 300));
              return w.nodeID;
            },
          },
        },
      });
    }
    await Promise.all(brokers.map((b) => b.start()));
    await brokers[0].waitForServices(["work"]);
    await brokers[0].call("work.where");
    // Both workers known to the caller.
    while (
      brokers[0].registry.getServiceList({ onlyAvailable: true }).filter((s) => s.name === "work")
        .length < 2
    )
      await new Promise((r) => setTimeout(r, 50));
  });
  afterEach(async () => {
    await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
  });

  type NatsClient = {
    close(): Promise<void>;
    request(subject: string, data: Uint8Array, opts: { timeout: number }): Promise<unknown>;
  };
  const natsOf = (b: ServiceBroker) =>
    (b.transit as unknown as { tx: { client: NatsClient } }).tx.client;

  /**
   * What SIGKILL does to a node's NATS side: the connection closes, no goodbye is sent. Returns
   * once the server has dropped the node's subscriptions (it answers "no responders" for it), as
   * it has at once after a kill; a call sent in the moment between is one in flight, another test.
   */
  const cutOff = async (b: ServiceBroker) => {
    await natsOf(b).close();
    const observer = natsOf(brokers[0]);
    for (;;) {
      const answer = await observer
        .request(`MOL.REQ.${b.nodeID}`, new Uint8Array(), { timeout: 1000 })
        .catch((err: { code?: string }) => err);
      if ((answer as { code?: string }).code === "503") return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test("When a node's connection is gone, then calls that were routed to it reach the other node and the node leaves the registry", async () => {
    const [caller, worker1] = brokers;
    await cutOff(worker1);

    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await caller.call("work.where"));

    expect(answers).toEqual(Array(6).fill("worker-2"));
    expect(caller.registry.nodes.get("worker-1")?.available).toBe(false);
  });

  test("When a node dies with a call in flight, then the caller learns within a second, not at the timeout", async () => {
    const [caller, worker1] = brokers;
    const inFlight = caller
      .call("work.slow", {}, { nodeID: "worker-1" })
      .catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 100));
    const diedAt = Date.now();
    await cutOff(worker1);

    const err = (await inFlight) as Error & { retryable?: boolean };
    expect(err.name).toBe("RequestRejectedError");
    expect(err.retryable).toBe(true);
    expect(Date.now() - diedAt).toBeLessThan(2000);
  });

  test("When a node dies running an idempotent call, then the call is sent to the other node and answers", async () => {
    const [caller, worker1] = brokers;
    const inFlight = caller.call("work.slowOnce", {}, { nodeID: "worker-1" });
    await new Promise((r) => setTimeout(r, 100));
    await cutOff(worker1);
    expect(await inFlight).toBe("worker-2");
  });

  test("When every instance is gone, then the call fails at once with an error the gateway answers 503", async () => {
    const [caller, worker1, worker2] = brokers;
    await Promise.all([cutOff(worker1), cutOff(worker2)]);

    const started = Date.now();
    const err = await caller.call("work.where").catch((e: Error) => e);
    // Which of the two is found gone last decides the error's kind; none waits for the timeout.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(["ServiceNotAvailableError", "UndeliveredError", "RequestRejectedError"]).toContain(
      (err as Error).constructor.name,
    );
    expect(toHttpError(err).code).toBe(503);
  });

  test("When a node nobody calls dies, then every other node learns of it and says so, long before a heartbeat would", async () => {
    const [caller, worker1, worker2] = brokers;
    const heard: string[] = [];
    worker2.localBus.on("$node.disconnected", ({ node }: { node: { id: string } }) =>
      heard.push(node.id),
    );
    await cutOff(worker1);
    // Heartbeats here time out after 90 s: only the liveness probe can tell within the wait.
    await waitFor(
      async () => !caller.registry.nodes.get("worker-1")?.available && heard.includes("worker-1"),
      10_000,
      "worker-1 seen gone",
    );
    expect(worker2.registry.nodes.get("worker-1")?.available).toBe(false);
  });

  test("When a node without the liveness subject (an earlier version, mid-deploy) is in the cluster, then nobody takes it for gone", async () => {
    const [caller] = brokers;
    const earlier = new ServiceBroker({
      nodeID: "earlier-version",
      logger: false,
      transporter: nats.url,
      heartbeatInterval: 30,
      heartbeatTimeout: 90,
    });
    earlier.createService({ name: "old", actions: { where: () => "earlier-version" } });
    await earlier.start();
    try {
      await caller.waitForServices(["old"], 10_000);
      // Ten rounds of the probe: a node it asked after would have been dropped in the first.
      await new Promise((r) => setTimeout(r, 5000));
      expect(caller.registry.nodes.get("earlier-version")?.available).toBe(true);
      expect(await caller.call("old.where")).toBe("earlier-version");
    } finally {
      await earlier.stop();
    }
  });
});
