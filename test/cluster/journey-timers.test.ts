import { ADMIN, hosting, startCluster, type Cluster, describeCluster } from "../harness/cluster";
import { loginToken, uniqueEmail } from "../harness/http";
import { waitFor } from "../harness/node-process";

/**
 * Journey timers are rows, taken by claim and lease. The only engagement node dies in the
 * middle of a send (its decision written, its message not delivered), with runs still to
 * enter and to fire; a node started after it takes up all of it, and each user hears once.
 */
const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "catalog-1", services: "catalog,courses,search" },
  { id: "orders-1", services: "orders" },
  // Every other consumer beside the core: the engagement node is the one that dies.
  {
    id: "core-1",
    services: hosting("users,cart,payments,@consumers").replace(/(^|,)engagement(?=,|$)/, ""),
  },
  {
    id: "engagement-1",
    services: "engagement",
    env: { FAULT_INJECTION: "journey-after-decide" },
  },
];
const USERS = 60;
const LEASE_MS = 4000;

describeCluster("journey timers: the engagement node dies mid-send", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(NODES, {
      RATE_LIMIT_API: "1000000",
      RATE_LIMIT_AUTH: "1000000",
      QUIET_HOURS: "off",
      JOURNEY_LEASE_MS: String(LEASE_MS),
      // Events the dead node had taken come back this soon: the suite is about timers.
      CHANNEL_ACK_WAIT_SECONDS: "5",
    });
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  test("When the node dies between deciding and delivering, then a new node takes its runs up after the lease, every run ends, and each user gets one message", async () => {
    const [api] = cluster.gateways;
    const admin = await loginToken(api, ADMIN);
    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Probe",
        defaultLocale: "en",
        locales: { en: { inbox: { title: "Hello {{ user.id }}", body: "Once." } } },
      },
      { token: admin },
    );
    const journey = await api.post(
      "/api/v1/engagement/journeys",
      {
        name: "Probe",
        trigger: { event: "event:journey_probe" },
        reentry: "once",
        status: "active",
        steps: [
          { type: "wait", minutes: 0.05 },
          {
            type: "send",
            template: template.body.id,
            category: "marketing",
            channels: ["inbox"],
            fallback: false,
            priority: "normal",
          },
        ],
      },
      { token: admin },
    );
    expect(journey.status).toBe(201);
    const stats = async () =>
      (await api.get(`/api/v1/engagement/journeys/${journey.body.id}/stats`, { token: admin }))
        .body as { entered: number; completed: number; failed: number };

    const tokens: string[] = [];
    for (let i = 0; i < USERS; i += 10)
      tokens.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, async () => {
            const registered = await api.post("/api/v1/auth/register", {
              email: uniqueEmail("probe"),
              password: "correct-horse",
              name: "Probe",
            });
            const token = registered.body.token as string;
            await api.post("/api/v1/events", [{ type: "journey_probe" }], { token });
            return token;
          }),
        )),
      );
    const dying = cluster.nodes.get("engagement-1")!.process;
    await waitFor(
      async () => dying.output().includes("dying at journey-after-decide"),
      30_000,
      "the first send to kill its node",
    );
    await cluster.addNode({ id: "engagement-2", services: "engagement" });
    const takenUpAt = Date.now();

    await waitFor(async () => (await stats()).entered === USERS, 60_000, "every user entered");
    const entered = Date.now() - takenUpAt;
    await waitFor(async () => (await stats()).completed === USERS, 60_000, "every run ended");
    const ended = Date.now() - takenUpAt;
    expect((await stats()).failed).toBe(0);

    const heard = await Promise.all(
      tokens.map(async (token) => {
        const inbox = (await api.get("/api/v1/notifications?pageSize=100", { token })).body.rows;
        return inbox.filter((n: { type: string }) => n.type === template.body.id).length;
      }),
    );
    process.stderr.write(
      `JOURNEY-TIMERS users=${USERS} after the new node: all entered ${entered} ms, all ended ${ended} ms\n`,
    );
    expect(heard).toEqual(tokens.map(() => 1));
  }, 180_000);
});
