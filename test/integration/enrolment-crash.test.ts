import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, placeOrder, uniqueEmail, type Client } from "../harness/http";
import { startNodeProcess, waitFor, type NodeProcess } from "../harness/node-process";
import { describeWith, freePort, startNats, type RunningServer } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const SECRET = "enrolment-secret-".padEnd(40, "x");
const ADMIN = { email: "enrolment-admin@example.com", password: "enrolment-admin-1" };
const LEARNERS = 12;

/**
 * The courses node is SIGKILLed while the confirmations of a burst of course orders are still
 * reaching it over JetStream; restarted, it enrols every paid order's buyer, once.
 */
describeWith(["nats-server"])("enrolment over real JetStream, its node killed mid-stream", () => {
  let nats: RunningServer;
  let core: TestSystem;
  let courses: NodeProcess;
  let api: Client;
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-courses-node-"));

  async function startCourses(): Promise<NodeProcess> {
    return startNodeProcess({
      SERVICES: "courses",
      TRANSPORTER: nats.url,
      JWT_SECRET: SECRET,
      NODE_ID: "courses-node",
      DATA_DIR: dataDir,
      METRICS_PORT: String(await freePort()),
      CHANNEL_ACK_WAIT_SECONDS: "3",
      LOG_LEVEL: "warn",
    });
  }

  const ready = () =>
    waitFor(async () => (await api.get("/health")).body?.status === "up", 30_000, "the cluster");

  beforeAll(async () => {
    nats = await startNats();
    core = await startSystem({
      SERVICES: "api,users,catalog,cart,orders,payments,search,@consumers",
      TRANSPORTER: nats.url,
      JWT_SECRET: SECRET,
      NODE_ID: "core-node",
      RATE_LIMIT_AUTH: "10000",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    });
    api = client(core.baseUrl);
    courses = await startCourses();
    await ready();
  }, 60_000);

  afterAll(async () => {
    await courses?.stop();
    await core?.stop();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("When the courses node dies while paid orders stream in, then every buyer is enrolled once, by their own order", async () => {
    const admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
    const auth = { token: admin };
    const course = (
      await api.post(
        "/api/v1/courses",
        { slug: "streamed", title: "Streamed", category: "s", price: 900 },
        auth,
      )
    ).body;
    const mod = await api.post(`/api/v1/courses/${course.id}/modules`, { title: "M" }, auth);
    await api.post(
      `/api/v1/modules/${mod.body.id}/lessons`,
      { title: "L", kind: "text", body: "b" },
      auth,
    );
    expect((await api.post(`/api/v1/courses/${course.id}/publish`, {}, auth)).status).toBe(200);
    const learners = await Promise.all(
      Array.from({ length: LEARNERS }, async (_, i) => {
        const res = await api.post("/api/v1/auth/register", {
          email: uniqueEmail(`learner${i}`),
          password: "correct-horse",
          name: "L",
        });
        return res.body.token as string;
      }),
    );

    const orders = await Promise.all(
      learners.map((token) => placeOrder(api, token, `course-${course.id}`)),
    );
    expect(orders.map((o) => o.status)).toEqual(Array(LEARNERS).fill(201));
    // The confirmations are on their way (outbox, then JetStream) while the node dies.
    await courses.stop("SIGKILL");
    courses = await startCourses();
    await ready();

    const progress = (token: string) =>
      api.get(`/api/v1/me/courses/${course.id}/progress`, { token });
    await waitFor(
      async () => {
        const answers = await Promise.all(learners.map(progress));
        return answers.every((a) => a.status === 200);
      },
      30_000,
      "every buyer enrolled",
    );
    // Redeliveries after the kill change nothing: each learner holds one enrolment, by its order.
    await new Promise((r) => setTimeout(r, 4000));
    for (const [i, token] of learners.entries()) {
      const mine = await api.get("/api/v1/me/enrolments", { token });
      expect(mine.body.rows).toEqual([
        expect.objectContaining({ courseId: course.id, orderId: orders[i].body.id, active: true }),
      ]);
    }
  }, 120_000);
});
