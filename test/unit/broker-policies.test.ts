import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Errors, ServiceBroker, type Context } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import { loggerConfig } from "../../platform/observability/logging";
import { RequestContextMiddleware } from "../../platform/middlewares/request-context";
import { UndeliveredError } from "../../platform/runtime/fail-fast-nats";

describe("the broker's call policies", () => {
  const calls = { charge: 0, read: 0 };
  const config = createBrokerConfig({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "bazaar-policies-")),
    LOG_LEVEL: "fatal",
    REQUEST_TIMEOUT_MS: "200",
  });
  const broker = new ServiceBroker({ ...config, metrics: false });
  broker.createService({
    name: "flaky",
    actions: {
      charge() {
        calls.charge++;
        throw new Errors.MoleculerRetryableError("processor hiccup", 503);
      },
      read: {
        retryPolicy: { enabled: true },
        handler() {
          calls.read++;
          if (calls.read < 3) throw new Errors.MoleculerRetryableError("hiccup", 503);
          return "ok";
        },
      },
      slow: () => new Promise((resolve) => setTimeout(resolve, 1000)),
    },
  });
  beforeAll(() => broker.start());
  afterAll(() => broker.stop());

  test("When an action has not opted in, then a retryable failure is not run again", async () => {
    await expect(broker.call("flaky.charge")).rejects.toThrow("processor hiccup");
    expect(calls.charge).toBe(1);
  });

  test("When an idempotent action opted in, then retryable failures are retried until it succeeds", async () => {
    await expect(broker.call("flaky.read")).resolves.toBe("ok");
    expect(calls.read).toBe(3);
  });

  test("When calls fail for want of a way to the node (NATS away, node gone), then no breaker counts them; an endpoint's own errors and timeouts count", () => {
    const counts = config.circuitBreaker!.check as (err: Error) => boolean;
    expect(
      counts(
        new (
          Errors as unknown as { BrokerDisconnectedError: new () => Error }
        ).BrokerDisconnectedError(),
      ),
    ).toBe(false);
    expect(counts(new Errors.RequestRejectedError({ action: "a", nodeID: "n" }))).toBe(false);
    expect(counts(new UndeliveredError("n"))).toBe(false);
    expect(counts(new Errors.MoleculerRetryableError("processor hiccup", 503))).toBe(true);
    expect(counts(new Errors.RequestTimeoutError({ action: "a", nodeID: "n" }))).toBe(true);
    expect(counts(new Error("a bug"))).toBe(true);
    expect(counts(new Errors.MoleculerClientError("not found", 404, "NOT_FOUND"))).toBe(false);
  });

  test("When a handler is stuck, then the call ends at REQUEST_TIMEOUT_MS", async () => {
    await expect(broker.call("flaky.slow")).rejects.toMatchObject({ type: "REQUEST_TIMEOUT" });
  });
});

describe("log lines", () => {
  type Formatter = (level: string, args: unknown[], bindings: object) => string[];
  const formatterOf = (production: boolean) =>
    (loggerConfig(production, "info") as unknown as { options: { formatter: Formatter } }).options
      .formatter;
  const bindings = { nodeID: "node-1", ns: "", mod: "users" };
  const inAction = <T>(requestID: string, run: () => T): Promise<T> => {
    const wrap = (
      RequestContextMiddleware() as unknown as {
        localAction(next: () => Promise<T>): (ctx: Partial<Context>) => Promise<T>;
      }
    ).localAction(() => Promise.resolve(run()));
    return wrap({ requestID });
  };

  test("When a service logs in production, then the line is JSON with the request id", async () => {
    const [line] = await inAction("req-42", () =>
      formatterOf(true)("warn", ["stock low", { sku: "A" }], bindings),
    );
    expect(JSON.parse(line)).toMatchObject({
      level: "warn",
      node: "node-1",
      module: "users",
      requestId: "req-42",
      msg: "stock low { sku: 'A' }",
    });
  });

  test("When a service logs in development, then the line is readable and names the request", async () => {
    const parts = await inAction("req-7", () => formatterOf(false)("info", ["hello"], bindings));
    expect(parts.join(" ")).toMatch(/INFO {2}USERS \[req-7\]: hello$/);
    expect(formatterOf(false)("info", ["outside"], bindings).join(" ")).toMatch(/USERS: outside$/);
  });
});
