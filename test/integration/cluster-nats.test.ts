import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ALL_SERVICES } from "../../app/settings";
import { client, uniqueEmail, type Client } from "../harness/http";
import { startNodeProcess, waitFor, type NodeProcess } from "../harness/node-process";
import { describeWith, freePort, startNats, type RunningServer } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const SECRET = "cluster-secret-".padEnd(48, "x");
const ADMIN = { email: "cluster-admin@example.com", password: "cluster-admin-1" };

describeWith(["nats-server"])("two nodes over real NATS", () => {
  let nats: RunningServer;
  let usersNode: NodeProcess;
  let gateway: TestSystem;
  let api: Client;

  beforeAll(async () => {
    nats = await startNats();
    usersNode = startNodeProcess({
      SERVICES: ALL_SERVICES.filter((name) => name !== "api").join(","),
      TRANSPORTER: nats.url,
      JWT_SECRET: SECRET,
      NODE_ID: "services-node",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "bazaar-users-node-")),
      METRICS_PORT: String(await freePort()),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    });
    gateway = await startSystem({
      SERVICES: "api",
      TRANSPORTER: nats.url,
      JWT_SECRET: SECRET,
      NODE_ID: "gateway-node",
      RATE_LIMIT_AUTH: "1000",
    });
    api = client(gateway.baseUrl);
    await waitFor(
      async () => (await api.get("/health")).body?.status === "up",
      30_000,
      "the gateway to see the services node",
    ).catch((err) => {
      throw new Error(`${err.message}\nservices node said:\n${usersNode.output()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await usersNode?.stop();
    await nats?.stop();
  });

  test("When the gateway and users run on different nodes, then register, log in and profile work across NATS", async () => {
    const email = uniqueEmail();
    const reg = await api.post("/api/v1/auth/register", {
      email,
      password: "correct-horse",
      name: "Nat",
    });
    expect(reg.status).toBe(201);
    const login = await api.post("/api/v1/auth/login", { email, password: "correct-horse" });
    expect(login.status).toBe(200);
    const me = await api.get("/api/v1/users/me", { token: login.body.token });
    expect(me.body).toEqual(reg.body.user);
  });

  test("When an action's access rules live on a remote node, then the gateway still enforces them", async () => {
    const { body } = await api.post("/api/v1/auth/register", {
      email: uniqueEmail(),
      password: "correct-horse",
      name: "Key",
    });
    const key = await api.post("/api/v1/api-keys", { name: "remote" }, { token: body.token });
    expect(key.status).toBe(201);
    expect((await api.get("/api/v1/users/me", { apiKey: key.body.key })).status).toBe(200);
    const mint = await api.post("/api/v1/api-keys", { name: "no" }, { apiKey: key.body.key });
    expect(mint.status).toBe(403);
    expect(
      (await api.delete(`/api/v1/api-keys/${key.body.id}`, { token: body.token })).status,
    ).toBe(204);
    expect((await api.get("/api/v1/users/me", { apiKey: key.body.key })).status).toBe(401);
  });

  test("When an admin asks for /cluster, then both nodes and their services are listed", async () => {
    const login = await api.post("/api/v1/auth/login", ADMIN);
    expect(login.status).toBe(200);
    const res = await api.get("/api/v1/cluster", { token: login.body.token });
    expect(res.status).toBe(200);
    const ids = res.body.nodes.map((n: { id: string }) => n.id).sort();
    expect(ids).toEqual(["gateway-node", "services-node"]);
    expect(res.body.services).toEqual(
      [...ALL_SERVICES].sort().map((name) => ({
        name,
        instances: 1,
        nodes: [name === "api" ? "gateway-node" : "services-node"],
      })),
    );
  });

  test("When readiness is asked, then the transporter is reported, and the details name each service", async () => {
    const ready = await api.get("/health/ready");
    expect(ready.body.checks).toMatchObject({ transporter: "up" });
    expect((await api.get("/health")).body.checks).toMatchObject({ "service:users": "up" });
  });

  test("When the services node shuts down gracefully, then its routes answer 503 at once, the gateway stays ready, and the details say degraded", async () => {
    await usersNode.stop("SIGTERM");
    expect(usersNode.output()).not.toMatch(/Unhandled|TypeError/);
    const login = await waitFor(
      async () => {
        const res = await api.post("/api/v1/auth/login", ADMIN);
        return res.status === 503 ? res : undefined;
      },
      5_000,
      "the gateway to notice the users node left",
    );
    expect(login.body.type).toBe("SERVICE_UNAVAILABLE");
    expect(login.headers.get("retry-after")).toBe("1");
    expect((await api.get("/health/ready")).status).toBe(200);
    const details = await api.get("/health");
    expect(details.status).toBe(200);
    expect(details.body.status).toBe("degraded");
    expect(details.body.checks["service:users"]).toBe("down");
  });
});
