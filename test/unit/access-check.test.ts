import { BlockList } from "node:net";
import { apiKeyRoles, type Principal } from "../../platform/actions/access";
import { assertAllowed } from "../../services/api/access-check";

const customer: Principal = { id: "u1", roles: ["customer"] };
const admin: Principal = { id: "a1", roles: ["admin", "customer"] };
const key = (scopes: string[], roles: Principal["roles"] = ["customer"]): Principal => ({
  id: "u1",
  roles,
  apiKeyId: "k1",
  scopes,
});
const allowed = (...args: Parameters<typeof assertAllowed>) => {
  try {
    assertAllowed(...args);
    return "ok";
  } catch (err) {
    return (err as { type: string }).type;
  }
};

describe("who may call an action over HTTP", () => {
  test("When an action is public, then anyone may call it", () => {
    expect(allowed({ access: "public" }, null, "POST", "1.2.3.4")).toBe("ok");
  });

  test("When an API key calls a public action, then its scopes still bound it", () => {
    expect(allowed({ access: "public" }, key(["events"]), "GET", "ip")).toBe("FORBIDDEN");
    expect(allowed({ access: "public" }, key(["read"]), "GET", "ip")).toBe("ok");
    expect(allowed({ access: "public" }, key(["read"]), "POST", "ip")).toBe("FORBIDDEN");
    expect(allowed({ access: "public" }, customer, "GET", "ip")).toBe("ok");
  });

  test("When an action says nothing, then it needs a signed-in caller", () => {
    expect(allowed({}, null, "GET", "1.2.3.4")).toBe("UNAUTHORIZED");
    expect(allowed({}, customer, "GET", "1.2.3.4")).toBe("ok");
  });

  test("When an action is for admins, then customers get 403 and admins pass, from allowed addresses only", () => {
    const list = new BlockList();
    list.addSubnet("10.0.0.0", 8, "ipv4");
    expect(allowed({ access: "admin" }, customer, "GET", "10.0.0.1")).toBe("FORBIDDEN");
    expect(allowed({ access: "admin" }, admin, "GET", "10.0.0.1", list)).toBe("ok");
    expect(allowed({ access: "admin" }, admin, "GET", "11.0.0.1", list)).toBe("FORBIDDEN");
    expect(allowed({ access: "admin" }, admin, "GET", "::1", list)).toBe("FORBIDDEN");
  });

  test("When an API key calls, then it needs read for GET and write for the rest", () => {
    expect(allowed({}, key(["read"]), "GET", "ip")).toBe("ok");
    expect(allowed({}, key(["read"]), "POST", "ip")).toBe("FORBIDDEN");
    expect(allowed({}, key(["write"]), "DELETE", "ip")).toBe("ok");
    expect(allowed({ scope: "events" }, key(["events"]), "POST", "ip")).toBe("ok");
    expect(allowed({ scope: "events" }, key(["read", "write"]), "POST", "ip")).toBe("FORBIDDEN");
  });

  test("When an API key calls a session-only or admin action, then it needs a session or the admin scope", () => {
    expect(allowed({ sessionOnly: true }, key(["read", "write"]), "POST", "ip")).toBe("FORBIDDEN");
    expect(allowed({ sessionOnly: true }, customer, "POST", "ip")).toBe("ok");
    expect(allowed({ access: "admin" }, key(["read"], ["admin"]), "GET", "ip")).toBe("FORBIDDEN");
    expect(allowed({ access: "admin" }, key(["read", "admin"], ["admin"]), "GET", "ip")).toBe("ok");
  });

  test("When an action's access level is misspelt, then no one may call it, not even an admin", () => {
    const misspelt = { access: "admni" } as unknown as Parameters<typeof assertAllowed>[0];
    expect(allowed(misspelt, admin, "GET", "ip")).toBe("FORBIDDEN");
    expect(allowed(misspelt, customer, "GET", "ip")).toBe("FORBIDDEN");
  });

  test("When an admin's key lacks the admin scope, then it acts as a customer", () => {
    expect(apiKeyRoles(["admin", "customer"], ["read", "write"])).toEqual(["customer"]);
    expect(apiKeyRoles(["admin", "customer"], ["read", "admin"])).toEqual(["admin", "customer"]);
    expect(apiKeyRoles(["customer"], ["admin"])).toEqual(["customer"]);
  });
});
