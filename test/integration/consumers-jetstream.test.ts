import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChannelMessage } from "../../platform/messaging/channels";
import { client, placeOrder, uniqueEmail, type Client } from "../harness/http";
import { startNodeProcess, waitFor, type NodeProcess } from "../harness/node-process";
import { describeWith, freePort, startNats, type RunningServer } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const SECRET = "consumers-secret-".padEnd(40, "x");
const ADMIN = { email: "consumers-admin@example.com", password: "consumers-admin-1" };
const ORDERS = 10;
const PRICE = 700;

describeWith(["nats-server"])(
  "consumers over real JetStream, their node killed and restarted",
  () => {
    let nats: RunningServer;
    let core: TestSystem;
    let consumers: NodeProcess;
    let api: Client;
    const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-consumer-node-"));
    const confirmedMessages: ChannelMessage[] = [];

    async function startConsumers(): Promise<NodeProcess> {
      return startNodeProcess({
        SERVICES: "@consumers",
        TRANSPORTER: nats.url,
        JWT_SECRET: SECRET,
        NODE_ID: "consumers-node",
        DATA_DIR: dataDir,
        METRICS_PORT: String(await freePort()),
        CHANNEL_ACK_WAIT_SECONDS: "3",
        LOG_LEVEL: "warn",
      });
    }

    beforeAll(async () => {
      nats = await startNats();
      core = await startSystem({
        SERVICES: "api,users,catalog,cart,orders,payments,courses,search",
        TRANSPORTER: nats.url,
        JWT_SECRET: SECRET,
        NODE_ID: "core-node",
        RATE_LIMIT_AUTH: "10000",
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      });
      // A spy in its own consumer group: the real messages, to deliver one again later.
      core.broker.createService({
        name: "spy",
        channels: {
          "orders.confirmed": {
            group: "spy",
            handler(ctx: { params: ChannelMessage }) {
              confirmedMessages.push(ctx.params);
            },
          },
        },
      });
      await core.broker.waitForServices(["spy"]);
      api = client(core.baseUrl);
      consumers = await startConsumers();
      await waitFor(
        async () => (await api.get("/health")).body?.status === "up",
        30_000,
        "the cluster",
      );
    }, 60_000);

    afterAll(async () => {
      await consumers?.stop();
      await core?.stop();
      await nats?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("When orders flow while the consumer node dies and returns, then each is told once and counted once", async () => {
      const admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
      const product = (
        await api.post(
          "/api/v1/products",
          { sku: "STREAM-1", name: "Stream", price: PRICE, category: "s", stock: 100 },
          { token: admin },
        )
      ).body;
      const buyer = (
        await api.post("/api/v1/auth/register", {
          email: uniqueEmail("js"),
          password: "correct-horse",
          name: "J",
        })
      ).body.token;
      const from = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      const place = async () => {
        const res = await placeOrder(api, buyer, product.id);
        expect(res.status).toBe(201);
      };

      for (let i = 0; i < ORDERS / 2; i++) await place();
      await consumers.stop("SIGKILL");
      for (let i = 0; i < ORDERS / 2; i++) await place();
      consumers = await startConsumers();

      const confirmations = async () => {
        const res = await api.get("/api/v1/notifications?pageSize=100", { token: buyer });
        return res.status === 200
          ? res.body.rows.filter((n: { type: string }) => n.type === "order_confirmed").length
          : -1;
      };
      const counted = async () => {
        const res = await api.get(`/api/v1/analytics/orders?from=${from}`, { token: admin });
        if (res.status !== 200) return { orders: -1, revenue: -1 };
        return res.body.windows.reduce(
          (t: { orders: number; revenue: number }, w: { orders: number; revenue: number }) => ({
            orders: t.orders + w.orders,
            revenue: t.revenue + w.revenue,
          }),
          { orders: 0, revenue: 0 },
        );
      };
      await waitFor(async () => (await confirmations()) === ORDERS, 30_000, "every confirmation");
      await waitFor(async () => (await counted()).orders === ORDERS, 10_000, "every order counted");
      expect(await counted()).toEqual({ orders: ORDERS, revenue: ORDERS * PRICE });

      // A real message delivered again, then the consumer node restarted once more.
      await waitFor(async () => confirmedMessages.length >= ORDERS, 10_000, "the spy");
      await core.broker.sendToChannel("orders.confirmed", confirmedMessages[0]);
      await new Promise((r) => setTimeout(r, 1000));
      await consumers.stop("SIGTERM");
      consumers = await startConsumers();
      await waitFor(
        async () => (await confirmations()) >= 0 && (await counted()).orders >= 0,
        30_000,
        "the node back",
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(await confirmations()).toBe(ORDERS);
      expect(await counted()).toEqual({ orders: ORDERS, revenue: ORDERS * PRICE });
    }, 120_000);
  },
);
