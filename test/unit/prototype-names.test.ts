import { applyUpdate } from "../../platform/data/apply-update";
import { PROTOTYPE_NAMES } from "../../platform/data/own-value";
import { decide } from "../../services/engagement/decisions/decisions";
import { turnOff } from "../../services/engagement/decisions/preferences";
import type { PreferencesDoc } from "../../services/engagement/model";
import { SimulatedProcessor } from "../../services/payments/processor";
import { useTempSqlite } from "../harness/temp-store";

/**
 * Maps keyed by what a user or an admin named (a category, a cart line, a card token) answer
 * only their own entries: every name Object.prototype carries is an ordinary unknown name.
 */
const NAMES = PROTOTYPE_NAMES.filter((name) => name !== "__proto__");

describe("names a plain object inherits", () => {
  const temp = useTempSqlite("prototype-names");

  test("When a message's category is a prototype name, then the user's preferences are read as empty, not as a function", () => {
    const now = new Date("2026-07-01T12:00:00Z");
    for (const category of NAMES)
      expect(
        decide(
          { channel: "email", category, priority: "normal" },
          { timeZone: "UTC", preferences: {}, sent: [] },
          { caps: [] },
          now,
        ),
      ).toEqual({ verdict: "send", reason: "allowed" });
  });

  test("When an unsubscribe turns off a category with a prototype name, then it is a category like any other", async () => {
    const repo = await temp.store().repository<PreferencesDoc>("preferences", []);
    for (const category of ["toString", "valueOf", "hasOwnProperty", "isPrototypeOf"]) {
      const doc = await turnOff(repo, "u1", category, ["email"]);
      expect(Object.hasOwn(doc.off, category) && doc.off[category]).toEqual(["email"]);
    }
  });

  test("When an update counts or lists under a prototype name, then it starts from nothing", () => {
    for (const name of NAMES.filter((n) => n !== "constructor")) {
      const doc = applyUpdate(
        { id: "d", items: {} },
        { $inc: { [`items.${name}`]: 2 }, $push: { [`lists.${name}`]: "x" } },
      );
      expect(doc).toEqual({ id: "d", items: { [name]: 2 }, lists: { [name]: ["x"] } });
    }
  });

  test("When a card token is a prototype name, then it is declined as an unknown token", async () => {
    const store = temp.store();
    const processor = new SimulatedProcessor(
      await store.repository("processor_charges", []),
      await store.repository("processor_refunds", []),
    );
    for (const [i, token] of NAMES.entries()) {
      const outcome = await processor.charge({
        token,
        amount: 100,
        currency: "USD",
        idempotencyKey: `k${i}`,
      });
      expect(outcome).toEqual({ status: "declined", reason: "invalid_token" });
    }
  });
});
