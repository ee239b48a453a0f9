import { randomUUID } from "node:crypto";
import { ErrorCode } from "@openfeature/server-sdk";
import { bucketOf, evaluate, type FlagDefinition } from "../../platform/flags/flag-engine";
import { FlagSet, flagClient } from "../../platform/flags/flag-provider";

const flag = (fields: Partial<FlagDefinition>): FlagDefinition => ({
  key: "new-checkout",
  kind: "boolean",
  enabled: true,
  default: false,
  rules: [],
  version: 1,
  updatedAt: "2026-12-06T00:00:00.000Z",
  ...fields,
});

describe("A flag's evaluation", () => {
  test("A 10 % rollout serves 10 ± 2 % of 10,000 users, the same ones each time and on every node", () => {
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const rollout = flag({ rollout: { percent: 10, serve: true } });
    const chosen = (f: FlagDefinition) => users.filter((u) => evaluate(f, { userId: u }).value);
    const first = chosen(rollout);
    expect(first.length / users.length).toBeGreaterThan(0.08);
    expect(first.length / users.length).toBeLessThan(0.12);
    // Another node builds its own copy of the flag: the same users.
    expect(chosen(structuredClone(rollout))).toEqual(first);
    // Growing the rollout keeps everyone already in, and another flag picks its own users.
    const wider = chosen(flag({ rollout: { percent: 30, serve: true } }));
    expect(first.every((u) => wider.includes(u))).toBe(true);
    const other = chosen(flag({ key: "dark-mode", rollout: { percent: 10, serve: true } }));
    expect(other.filter((u) => first.includes(u)).length).toBeLessThan(first.length / 3);
  });

  test("Rules decide before the rollout, the first that matches wins, and a flag turned off serves its default", () => {
    const f = flag({
      kind: "string",
      default: "control",
      rules: [
        { attribute: "userId", in: ["vip-1"], serve: "gold" },
        { attribute: "role", in: ["admin"], serve: "beta" },
        { attribute: "country", in: ["PT", "BR"], serve: "lusophone" },
      ],
      rollout: { percent: 100, serve: "everyone" },
    });
    expect(evaluate(f, { userId: "vip-1", roles: ["admin"] })).toEqual({
      value: "gold",
      reason: "TARGETING_MATCH",
      rule: 0,
    });
    expect(evaluate(f, { userId: "u", roles: ["customer", "admin"] }).value).toBe("beta");
    expect(evaluate(f, { userId: "u", country: "BR" }).value).toBe("lusophone");
    expect(evaluate(f, { userId: "u" })).toEqual({ value: "everyone", reason: "SPLIT" });
    // Without a user there is nothing to be sticky to: the default.
    expect(evaluate(f, {})).toEqual({ value: "control", reason: "DEFAULT" });
    expect(evaluate({ ...f, enabled: false }, { userId: "vip-1" })).toEqual({
      value: "control",
      reason: "DISABLED",
    });
  });

  test("A bucket is a stable number from 0 to 9,999", () => {
    const id = randomUUID();
    expect(bucketOf("k", id)).toBe(bucketOf("k", id));
    expect(bucketOf("k", id)).toBeGreaterThanOrEqual(0);
    expect(bucketOf("k", id)).toBeLessThan(10_000);
  });
});

describe("The flags behind OpenFeature's server API", () => {
  test("A client reads the node's set: values, reasons, a missing flag and a wrong type answered with the caller's default", async () => {
    const flags = new FlagSet();
    const client = flagClient(`test-${randomUUID()}`, flags);
    flags.replace([
      flag({ rules: [{ attribute: "role", in: ["admin"], serve: true }] }),
      flag({ key: "checkout-limits", kind: "object", default: { maxItems: 20 }, version: 3 }),
    ]);
    expect(flags.version).toBe(3);
    const asAdmin = { targetingKey: "u1", roles: ["admin"] };
    expect(await client.getBooleanValue("new-checkout", false, asAdmin)).toBe(true);
    expect(await client.getBooleanValue("new-checkout", false, { targetingKey: "u2" })).toBe(false);
    expect(await client.getObjectValue("checkout-limits", {}, asAdmin)).toEqual({ maxItems: 20 });
    const missing = await client.getBooleanDetails("nothing", true, asAdmin);
    expect(missing).toMatchObject({ value: true, errorCode: ErrorCode.FLAG_NOT_FOUND });
    const wrong = await client.getStringDetails("new-checkout", "x", asAdmin);
    expect(wrong).toMatchObject({ value: "x", errorCode: ErrorCode.TYPE_MISMATCH });
    // A newer version of a flag replaces it; an older one told late does not.
    flags.put(flag({ enabled: false, version: 5 }));
    flags.put(flag({ version: 4, rules: [] }));
    expect(await client.getBooleanDetails("new-checkout", true, asAdmin)).toMatchObject({
      value: false,
      reason: "DISABLED",
    });
  });
});
