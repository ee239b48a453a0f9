import { Errors, ServiceBroker } from "moleculer";
import { ClientErrorRegenerator } from "../../platform/actions/error-regenerator";
import {
  conflict,
  hasType,
  isRequestRefused,
  notFound,
  tooManyRequests,
  unavailable,
} from "../../platform/actions/errors";
import { ShopError } from "../../contracts/errors";
import { describeWith, startNats, type RunningServer } from "../harness/servers";

/**
 * A refusal raised on one node reaches its caller on another over a real nats-server, and the
 * caller still tells it apart by class: the saga settles an order on that, and anything that is
 * not a refusal (down, busy, "later") leaves the order for recovery.
 */
describeWith(["nats-server"])("refusals across nodes", () => {
  let nats: RunningServer;
  let caller: ServiceBroker;
  let worker: ServiceBroker;

  const broker = (nodeID: string, errorRegenerator?: ClientErrorRegenerator) =>
    new ServiceBroker({
      nodeID,
      logger: false,
      transporter: nats.url,
      requestTimeout: 5000,
      ...(errorRegenerator ? { errorRegenerator } : {}),
    });

  beforeAll(async () => {
    nats = await startNats();
    caller = broker("caller", new ClientErrorRegenerator());
    worker = broker("worker", new ClientErrorRegenerator());
    worker.createService({
      name: "stock",
      actions: {
        outOfStock: () => {
          const error = conflict(ShopError.OUT_OF_STOCK, "Not enough stock");
          error.data = { orderId: "ord_1" };
          throw error;
        },
        missing: () => {
          throw notFound("Product");
        },
        validated: { params: { id: "string" }, handler: () => "never" },
        busy: () => {
          throw tooManyRequests(3);
        },
        away: () => {
          throw unavailable("The processor is away");
        },
        broken: () => {
          throw new Error("a bug");
        },
      },
    });
    await Promise.all([caller.start(), worker.start()]);
    await caller.waitForServices(["stock"]);
  });

  afterAll(async () => {
    await Promise.all([caller?.stop(), worker?.stop()]);
    await nats?.stop();
  });

  const failureOf = (action: string, params = {}) =>
    caller.call(`stock.${action}`, params).then(
      () => {
        throw new Error(`${action} answered`);
      },
      (err: Error) => err,
    );

  test("When another node refuses a request, then the caller receives a client error with its name, type, message and data", async () => {
    const err = (await failureOf("outOfStock")) as Errors.MoleculerClientError;
    expect(err).toBeInstanceOf(Errors.MoleculerClientError);
    expect(err).toMatchObject({
      name: "ConflictError",
      code: 409,
      type: ShopError.OUT_OF_STOCK,
      message: "Not enough stock",
      data: { orderId: "ord_1" },
    });
    expect(isRequestRefused(err)).toBe(true);
    expect(hasType(err, ShopError.OUT_OF_STOCK)).toBe(true);
    expect(isRequestRefused(await failureOf("missing"))).toBe(true);
    expect(isRequestRefused(await failureOf("validated", { id: 7 }))).toBe(true);
  });

  test("When another node is busy, away or broken, then the caller does not take it for a refusal", async () => {
    expect(isRequestRefused(await failureOf("busy"))).toBe(false);
    expect(isRequestRefused(await failureOf("away"))).toBe(false);
    expect(isRequestRefused(await failureOf("broken"))).toBe(false);
  });

  test("When a caller rebuilds errors as Moleculer does by default, then a refusal of ours arrives as a bare Error (why the regenerator exists)", async () => {
    const plain = broker("plain-caller");
    await plain.start();
    try {
      await plain.waitForServices(["stock"]);
      const err = await plain.call("stock.missing").catch((e: Error) => e);
      expect(err).not.toBeInstanceOf(Errors.MoleculerClientError);
      expect(isRequestRefused(err)).toBe(false);
    } finally {
      await plain.stop();
    }
  });
});
