import { Errors, ServiceBroker } from "moleculer";
import { installLeanObservability } from "../../platform/observability/lean-observability";

/** The per-call metrics the dashboard and alerts read, from the lean metrics middleware. */
describe("per-call metrics", () => {
  installLeanObservability();
  const broker = new ServiceBroker({ logger: false, metrics: { enabled: true } });
  broker.createService({
    name: "shop",
    actions: {
      ok: () => "fine",
      fail() {
        throw new Errors.MoleculerClientError("nope", 409, "INVALID_STATE");
      },
    },
  });
  beforeAll(() => broker.start());
  afterAll(() => broker.stop());

  const value = (name: string, labels: object) =>
    (
      broker.metrics.getMetric(name) as unknown as {
        get(l: object): { value?: number; count?: number } | undefined;
      }
    ).get(labels);

  test("When actions are called, then each call is counted and timed, and each failure counted with its code and type", async () => {
    await broker.call("shop.ok");
    await broker.call("shop.ok");
    await expect(broker.call("shop.fail")).rejects.toThrow("nope");

    const ok = { service: "shop", action: "shop.ok", caller: null, type: "local" };
    const fail = { ...ok, action: "shop.fail" };
    expect(value("moleculer.request.total", ok)?.value).toBe(2);
    expect(value("moleculer.request.total", fail)?.value).toBe(1);
    expect(value("moleculer.request.time", ok)?.count).toBe(2);
    expect(value("moleculer.request.time", fail)?.count).toBe(1);
    expect(
      value("moleculer.request.error.total", {
        ...fail,
        errorName: "MoleculerClientError",
        errorCode: 409,
        errorType: "INVALID_STATE",
      })?.value,
    ).toBe(1);
    expect(
      value("moleculer.request.error.total", {
        ...ok,
        errorName: null,
        errorCode: null,
        errorType: null,
      }),
    ).toBeUndefined();
  });

  test("When installed twice, then each middleware is wrapped once", () => {
    installLeanObservability();
    const again = new ServiceBroker({ logger: false, metrics: { enabled: true } });
    again.createService({ name: "once", actions: { ok: () => 1 } });
    return again
      .start()
      .then(() => again.call("once.ok"))
      .then(() => {
        const total = (
          again.metrics.getMetric("moleculer.request.total") as unknown as {
            get(l: object): { value: number };
          }
        ).get({ service: "once", action: "once.ok", caller: null, type: "local" });
        expect(total.value).toBe(1);
      })
      .finally(() => again.stop());
  });
});
