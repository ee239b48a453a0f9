import { ServiceBroker } from "moleculer";
import { actionPropertyProblems } from "../../platform/actions/action-properties";
import { ActionPropertiesMiddleware } from "../../platform/middlewares/action-properties";

describe("our action properties", () => {
  test("When a service's action has an access level we do not know, then the service is not created and the node does not start", async () => {
    const broker = new ServiceBroker({
      logger: false,
      middlewares: [ActionPropertiesMiddleware()],
    });
    expect(() =>
      broker.createService({
        name: "typo",
        actions: { list: { access: "admni", handler: () => [] } as never },
      }),
    ).toThrow('Actions refused: typo.list: access "admni" is not one we know');
    expect(broker.getLocalService("typo")).toBeUndefined();
    await broker.start();
    await broker.stop();
  });

  test("When properties are known or absent, then nothing is refused; bad scopes and non-booleans are", () => {
    expect(
      actionPropertyProblems("s", {
        a: { access: "public" },
        b: { access: "admin", scope: "events", sessionOnly: true, idempotent: false },
        c: () => null,
        d: true,
      }),
    ).toEqual([]);
    expect(
      actionPropertyProblems("s", {
        a: { scope: "everything" },
        b: { idempotent: "yes" },
        c: { sessionOnly: 1 },
      }),
    ).toEqual([
      's.a: scope "everything" is not one we know',
      's.b: idempotent "yes" is not one we know',
      "s.c: sessionOnly 1 is not one we know",
    ]);
  });
});
