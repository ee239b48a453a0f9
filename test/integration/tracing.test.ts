import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrokerOptions } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import {
  client,
  createProduct,
  loginToken,
  placeOrder,
  registerBuyer,
  uniqueEmail,
} from "../harness/http";
import { waitFor } from "../harness/node-process";
import { startSystem, type TestSystem } from "../harness/system";

/**
 * One checkout, traced: the spans exported (Moleculer's Event exporter, captured here) must form
 * one trace from the gateway through the services and their store calls to the channel publish
 * and each consumer, although the publish happens later, from the order's outbox.
 */
interface ExportedSpan {
  id: string;
  name: string;
  traceID: string;
  parentID?: string;
  tags?: Record<string, unknown>;
}

const ADMIN = { email: "trace-admin@example.com", password: "trace-admin-password" };

/** The node's own tracing options (sampling, tags) at this rate, exported as broker events. */
function capturedTracing(sampleRate: string): BrokerOptions["tracing"] {
  const { tracing } = createBrokerConfig({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "bazaar-tracing-")),
    JAEGER_HOST: "127.0.0.1",
    TRACING_SAMPLE_RATE: sampleRate,
  });
  return {
    ...(tracing as object),
    exporter: [
      { type: "Event", options: { eventName: "$tracing.spans", interval: 0, broadcast: false } },
    ],
  };
}

async function startTraced(sampleRate: string, spans: ExportedSpan[]): Promise<TestSystem> {
  const system = await startSystem(
    { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
    { tracing: capturedTracing(sampleRate) },
  );
  system.broker.createService({
    name: "span-recorder",
    events: {
      "$tracing.spans"(ctx: { params: ExportedSpan[] }) {
        spans.push(...ctx.params);
      },
    },
  });
  return system;
}

describe("traces across the asynchronous hop", () => {
  let system: TestSystem;
  const spans: ExportedSpan[] = [];

  beforeAll(async () => {
    system = await startTraced("1", spans);
  }, 60_000);
  afterAll(() => system?.stop());

  test("When an order is placed, then the gateway, the saga's calls, the store, the publish and both consumers share one trace", async () => {
    const api = client(system.baseUrl);
    const admin = await loginToken(api, ADMIN);
    const product = await createProduct(api, admin, { sku: "TRACE-1" });
    const buyer = await registerBuyer(api, "trace");
    const order = await placeOrder(api, buyer, product.id);
    expect(order.status).toBe(201);

    const consumed = (group: string) =>
      spans.find((s) => s.name === `channel 'orders.confirmed' ${group}`);
    await waitFor(
      async () => consumed("notifications") && consumed("analytics"),
      10_000,
      "consumer spans",
    );
    const publish = spans.find((s) => s.name === "publish orders.confirmed")!;
    const trace = spans.filter((s) => s.traceID === publish.traceID);
    const names = trace.map((s) => s.name);

    expect(names).toEqual(
      expect.arrayContaining([
        "action 'orders.create'",
        "action 'catalog.reserve'",
        "action 'payments.charge'",
        "publish orders.confirmed",
        "channel 'orders.confirmed' notifications",
        "channel 'orders.confirmed' analytics",
      ]),
    );
    expect(names.some((n) => n.startsWith("db orders."))).toBe(true);
    // The hop is linked, not just labelled: each consumer's parent is the publish span, whose
    // parent is a span of the request.
    expect(consumed("notifications")!.parentID).toBe(publish.id);
    expect(consumed("analytics")!.parentID).toBe(publish.id);
    expect(trace.map((s) => s.id)).toContain(publish.parentID);
    // The consumer's own store calls are in the trace too.
    const underConsumer = trace.filter((s) => s.parentID === consumed("notifications")!.id);
    expect(underConsumer.some((s) => s.name.startsWith("db "))).toBe(true);
  });
});

describe("sampling and what a span records", () => {
  let system: TestSystem;
  const spans: ExportedSpan[] = [];

  beforeAll(async () => {
    system = await startTraced("0.25", spans);
  }, 60_000);
  afterAll(() => system?.stop());

  test("When a quarter of requests are sampled, then only those are exported, each whole, and the rest leave no span", async () => {
    const api = client(system.baseUrl);
    for (let i = 0; i < 40; i++)
      expect((await api.get(`/api/v1/products?q=sampling${i}`)).status).toBe(200);
    await waitFor(async () => spans.length > 0, 5000, "spans");
    await new Promise((r) => setTimeout(r, 200));
    const lists = spans.filter((s) => s.name === "action 'catalog.list'");
    expect(lists).toHaveLength(10);
    const traces = new Set(lists.map((s) => s.traceID));
    expect(traces.size).toBe(10);
    // Every exported span belongs to a sampled request: none from the other thirty.
    expect(spans.filter((s) => !traces.has(s.traceID))).toEqual([]);
    expect(spans.some((s) => s.name.startsWith("db products."))).toBe(true);
  });

  test("When a sampled call carries a password, then its span records the call without it", async () => {
    spans.length = 0;
    const api = client(system.baseUrl);
    const password = "trace-secret-password";
    for (let i = 0; i < 8; i++)
      await api.post("/api/v1/auth/register", {
        email: uniqueEmail("secret"),
        password,
        name: "Traced",
      });
    await waitFor(
      async () => spans.some((s) => s.name === "action 'users.register'"),
      5000,
      "a register span",
    );
    const register = spans.find((s) => s.name === "action 'users.register'")!;
    expect(register.tags?.params).toMatchObject({ name: "Traced", password: "[redacted]" });
    expect(JSON.stringify(spans)).not.toContain(password);
  });
});
