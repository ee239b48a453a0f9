import { readFileSync } from "node:fs";
import path from "node:path";
import { asOperator } from "../../platform/actions/access";
import { DEMO_CATALOG } from "../../services/catalog/demo-catalog";
import { REPL_COMMANDS } from "../../app/repl-commands";
import { client, createProduct, loginToken, placeOrder, registerBuyer } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { startSystem, type TestSystem } from "../harness/system";

/** The operators' REPL commands, run against a real node the way the REPL runs them. */
const run = (system: TestSystem, name: string, args: Record<string, unknown> = {}) =>
  REPL_COMMANDS.find((c) => c.command.split(" ")[0] === name)!.action(system.broker, args);

const ADMIN = { email: "repl-admin@example.com", password: "repl-admin-password" };

describe("REPL commands", () => {
  let system: TestSystem;
  let orderId: string;
  const log = jest.spyOn(console, "log").mockImplementation(() => undefined);

  beforeAll(async () => {
    system = await startSystem({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    const api = client(system.baseUrl);
    const admin = await loginToken(api, ADMIN);
    const product = await createProduct(api, admin, { sku: "REPL-1", name: "Repl lamp", stock: 7 });
    const buyer = await registerBuyer(api, "repl");
    orderId = (await placeOrder(api, buyer, product.id, { quantity: 2 })).body.id;
  }, 60_000);
  afterAll(async () => {
    log.mockRestore();
    await system?.stop();
  });

  test("When an operator looks up an order, then its status, lines and saga history are shown", async () => {
    const lines = await run(system, "order", { id: orderId });
    expect(lines[0]).toContain(`order ${orderId}  CONFIRMED`);
    expect(lines.join("\n")).toMatch(/2 × Repl lamp/);
    expect(lines.slice(lines.indexOf("history:") + 1).map((l) => l.trim().split("  ")[1])).toEqual([
      "PENDING",
      "CONFIRMED",
    ]);
    expect(log).toHaveBeenCalledWith(lines[0]);
  });

  test("When an operator gives an order id as the README does, by a prefix, then the order is shown", async () => {
    const lines = await run(system, "order", { id: `${orderId.slice(0, 10)}…` });
    expect(lines[0]).toContain(`order ${orderId}  CONFIRMED`);
    expect(await run(system, "order", { id: "ord_" })).toEqual([
      expect.stringMatching(/^error: .*not found/i),
    ]);
  });

  test("When a prefix fits more than one order, then one line says to give more of it", async () => {
    const orders = (
      system.broker.getLocalService("orders") as unknown as {
        repos: { orders: { insert(doc: object): Promise<unknown> } };
      }
    ).repos.orders;
    for (const id of ["ord_same0000aaaa", "ord_same0000bbbb"])
      await orders.insert({ id, userId: "u", status: "CANCELLED", items: [], history: [] });
    expect(await run(system, "order", { id: "ord_same0000" })).toEqual([
      expect.stringMatching(/^error: More than one order starts with ord_same0000/),
    ]);
  });

  test("When an operator asks for a demo product's stock as the README does, then it is shown", async () => {
    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const [, sku] = /mol \$ stock (\S+)/.exec(readme)!;
    const demo = DEMO_CATALOG.find((p) => p.sku === sku);
    expect(demo).toBeDefined();
    await system.broker.call("catalog.create", demo, asOperator("test"));
    expect(await run(system, "stock", { sku })).toEqual([
      expect.stringMatching(new RegExp(`^${sku} {2}${demo!.name} {2}stock ${demo!.stock} `)),
    ]);
  });

  test("When the order does not exist, then one line says so", async () => {
    expect(await run(system, "order", { id: "no-such-order" })).toEqual([
      expect.stringMatching(/^error: .*not found/i),
    ]);
  });

  test("When an operator asks for a SKU's stock, then it is the stock left after the order", async () => {
    expect(await run(system, "stock", { sku: "repl-1" })).toEqual([
      expect.stringMatching(/^REPL-1 {2}Repl lamp {2}stock 5 /),
    ]);
    expect(await run(system, "stock", { sku: "NOPE-9" })).toEqual(["no product with SKU NOPE-9"]);
  });

  test("When an operator asks for the outbox, then nothing waits once the order is settled", async () => {
    // The relay publishes within a keeper pass (250 ms) of the order.
    const settled = () => run(system, "outbox").then((l) => l.map((x) => x.replace(/\s+/g, " ")));
    await waitFor(async () => (await settled())[0].endsWith(" 0"), 5000, "outbox empty");
    expect(await settled()).toEqual([
      "ordersWithUnsentEvents 0",
      "ordersWithPendingEffects 0",
      "pending 0",
    ]);
  });

  test("When an operator lists the cluster, then the node shows with its services and load", async () => {
    const [line] = await run(system, "cluster");
    expect(line).toContain(system.broker.nodeID);
    expect(line).toMatch(/cpu \d+ % {2}rss \d+ MB/);
    expect(line).toContain("orders");
  });

  test("When an operator asks for dead letters on a node without JetStream, then one line says where they are kept", async () => {
    expect(await run(system, "deadletters")).toEqual([
      "error: Dead letters are kept only with NATS JetStream (TRANSPORTER=nats://…)",
    ]);
  });
});
