import { bucketOf } from "../../platform/flags/flag-engine";
import { newAccount, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { startWithAdmin, type TestSystem } from "../harness/system";

/** Feature flags over HTTP: an admin writes them, users read their own, the audit log keeps each change. */
const ADMIN = { email: "flags-admin@example.com", password: "flags-admin-pass-1" };

let system: TestSystem;
let api: Client;
let admin: { token: string };

beforeAll(async () => {
  let adminToken: string;
  ({ system, api, adminToken } = await startWithAdmin(ADMIN));
  admin = { token: adminToken };
});
afterAll(() => system.stop());

const checkout = {
  kind: "boolean",
  description: "The new checkout page",
  enabled: true,
  default: false,
  rules: [{ attribute: "role", in: ["admin"], serve: true }],
  rollout: { percent: 50, serve: true },
};

describe("Given an admin who writes flags", () => {
  test("When a flag targets admins and rolls out to half the users, then each user reads what the rules and their bucket say", async () => {
    const put = await api.put("/api/v1/flags/new-checkout", checkout, admin);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: "new-checkout", version: expect.any(Number) });
    const mine = await api.post("/api/v1/flags/evaluate", {}, admin);
    expect(mine.body.flags["new-checkout"]).toEqual({ value: true, reason: "TARGETING_MATCH" });

    for (let i = 0; i < 6; i++) {
      const user = await newAccount(api, `flagged-${i}`);
      const inRollout = bucketOf("new-checkout", user.id) < 5000;
      const theirs = (await api.post("/api/v1/flags/evaluate", {}, user)).body.flags;
      expect(theirs["new-checkout"]).toEqual(
        inRollout ? { value: true, reason: "SPLIT" } : { value: false, reason: "DEFAULT" },
      );
    }
  });

  test("When a flag is turned off, then everyone gets its default, and both changes are in the audit log with before and after", async () => {
    const first = await api.put(
      "/api/v1/flags/kill-switch",
      { ...checkout, rollout: undefined },
      admin,
    );
    const off = await api.put(
      "/api/v1/flags/kill-switch",
      { ...checkout, rollout: undefined, enabled: false },
      admin,
    );
    expect(off.body.version).toBeGreaterThan(first.body.version);
    expect((await api.post("/api/v1/flags/evaluate", {}, admin)).body.flags["kill-switch"]).toEqual(
      {
        value: false,
        reason: "DISABLED",
      },
    );
    expect((await api.get("/api/v1/flags/kill-switch", admin)).body.enabled).toBe(false);
    const records = async () =>
      (await api.get("/api/v1/audit?action=flags.flag_changed&target=kill-switch", admin)).body
        .rows;
    await waitFor(async () => (await records()).length === 2, 10_000, "two records");
    const [latest, earliest] = await records();
    expect(earliest.before).toBeUndefined();
    expect(latest).toMatchObject({ before: { enabled: true }, after: { enabled: false } });
  });

  test("When a variant flag targets a country, then a user who says where they are gets its variant", async () => {
    await api.put(
      "/api/v1/flags/home-banner",
      {
        kind: "string",
        enabled: true,
        default: "classic",
        rules: [{ attribute: "country", in: ["BR", "PT"], serve: "lusophone" }],
      },
      admin,
    );
    const user = await newAccount(api, "traveller");
    const at = async (country?: string) =>
      (await api.post("/api/v1/flags/evaluate", country ? { country } : {}, user)).body.flags[
        "home-banner"
      ].value;
    expect(await at("BR")).toBe("lusophone");
    expect(await at("DE")).toBe("classic");
    expect(await at()).toBe("classic");
    expect((await api.post("/api/v1/flags/evaluate", { country: "brazil" }, user)).status).toBe(
      422,
    );
    const listed = await api.get("/api/v1/flags", admin);
    expect(listed.body.rows.map((f: any) => f.key)).toEqual(
      expect.arrayContaining(["home-banner", "kill-switch", "new-checkout"]),
    );
  });

  test("When a flag does not hold together, or someone else writes it, then it is refused and nothing changes", async () => {
    const user = await newAccount(api, "not-admin");
    const bad = [
      { ...checkout, default: "yes" },
      { ...checkout, rules: [{ attribute: "role", in: ["admin"], serve: 1 }] },
      { ...checkout, rollout: { percent: 150, serve: true } },
      { ...checkout, rules: [{ attribute: "mood", in: ["happy"], serve: true }] },
      { ...checkout, kind: "object", default: { big: "x".repeat(9000) } },
      { ...checkout, extra: "field" },
    ];
    for (const body of bad) {
      const res = await api.put("/api/v1/flags/strict-one", body, admin);
      expect(res.status).toBe(422);
      expect(res.body.type).toBe("VALIDATION_ERROR");
    }
    expect((await api.put("/api/v1/flags/Bad%20Key", checkout, admin)).status).toBe(422);
    expect((await api.put("/api/v1/flags/strict-one", checkout, user)).status).toBe(403);
    expect((await api.get("/api/v1/flags", user)).status).toBe(403);
    expect((await api.get("/api/v1/flags/strict-one", admin)).status).toBe(404);
    expect((await api.post("/api/v1/flags/evaluate", {})).status).toBe(401);
  });
});
