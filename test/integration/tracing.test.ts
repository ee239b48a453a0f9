import { client, placeOrder, uniqueEmail } from "../harness/http";
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
}

describe("traces across the asynchronous hop", () => {
  let system: TestSystem;
  const spans: ExportedSpan[] = [];

  beforeAll(async () => {
    system = await startSystem(
      { ADMIN_EMAIL: "trace-admin@example.com", ADMIN_PASSWORD: "trace-admin-password" },
      {
        tracing: {
          enabled: true,
          sampling: { rate: 1 },
          exporter: [
            {
              type: "Event",
              options: { eventName: "$tracing.spans", interval: 0, broadcast: false },
            },
          ],
        },
      },
    );
    system.broker.createService({
      name: "span-recorder",
      events: {
        "$tracing.spans"(ctx: { params: ExportedSpan[] }) {
          spans.push(...ctx.params);
        },
      },
    });
  }, 60_000);
  afterAll(() => system?.stop());

  test("When an order is placed, then the gateway, the saga's calls, the store, the publish and both consumers share one trace", async () => {
    const api = client(system.baseUrl);
    const admin = (
      await api.post("/api/v1/auth/login", {
        email: "trace-admin@example.com",
        password: "trace-admin-password",
      })
    ).body.token;
    const product = (
      await api.post(
        "/api/v1/products",
        { sku: "TRACE-1", name: "Trace", price: 100, category: "t", stock: 3 },
        { token: admin },
      )
    ).body;
    const buyer = (
      await api.post("/api/v1/auth/register", {
        email: uniqueEmail("trace"),
        password: "correct-horse",
        name: "T",
      })
    ).body.token;
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
