import jwt from "jsonwebtoken";
import { client, uniqueEmail, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "root@example.com", password: "admin-password-1" };
let system: TestSystem;
let api: Client;

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "10000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  api = client(system.baseUrl);
  await api.followContract();
});
afterAll(() => system.stop());

async function register(overrides: Record<string, unknown> = {}) {
  const body = { email: uniqueEmail(), password: "correct-horse", name: "Ann", ...overrides };
  const res = await api.post("/api/v1/auth/register", body);
  expect(res.status).toBe(201);
  return { ...res.body, password: body.password as string };
}

describe("register and log in", () => {
  test("When a visitor registers, then they get their profile and a working token, never a hash", async () => {
    const email = uniqueEmail();
    const res = await api.post("/api/v1/auth/register", {
      email: `  ${email.toUpperCase()} `,
      password: "correct-horse",
      name: " Ann ",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/api/v1/users/me");
    expect(res.body.user).toEqual({
      id: expect.any(String),
      email,
      name: "Ann",
      roles: ["customer"],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/hash|scrypt/i);
    const me = await api.get("/api/v1/users/me", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(res.body.user);
  });

  test("When the e-mail is taken in any letter case, then 409 EMAIL_TAKEN", async () => {
    const { user } = await register();
    const res = await api.post("/api/v1/auth/register", {
      email: user.email.toUpperCase(),
      password: "another-pass",
      name: "Copy",
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 409, type: "EMAIL_TAKEN", name: expect.any(String) });
  });

  test.each([
    ["a bad e-mail", { email: "not-an-email" }],
    ["a short password", { password: "short" }],
    ["a password over 128 characters", { password: "x".repeat(129) }],
    ["an empty name", { name: "   " }],
    ["a name over 100 characters", { name: "n".repeat(101) }],
    ["roles", { roles: ["admin"] }],
    ["an id", { id: "chosen-id" }],
    ["a password hash", { passwordHash: "scrypt$1$1$1$x$y" }],
    ["a number for the e-mail", { email: 42 }],
  ])("When the body has %s, then 422 VALIDATION_ERROR and no account", async (_label, change) => {
    const email = uniqueEmail();
    const body = { email, password: "correct-horse", name: "Eve", ...change };
    const res = await api.post("/api/v1/auth/register", body);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
    expect(Array.isArray(res.body.data)).toBe(true);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toContain("correct-horse");
    const login = await api.post("/api/v1/auth/login", { email, password: "correct-horse" });
    expect(login.status).toBe(401);
  });

  test("When the body is not JSON, then 400 BAD_REQUEST and no account", async () => {
    const email = uniqueEmail();
    const res = await api.post(
      "/api/v1/auth/register",
      `{"email":"${email}","password":"correct-horse","name":"Eve"`,
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 400, type: "BAD_REQUEST" });
    const login = await api.post("/api/v1/auth/login", { email, password: "correct-horse" });
    expect(login.status).toBe(401);
  });

  test("When the body is empty, then 422 naming every missing field", async () => {
    const res = await api.post("/api/v1/auth/register", {});
    expect(res.status).toBe(422);
    expect(res.body.data.map((p: { field: string }) => p.field).sort()).toEqual([
      "email",
      "name",
      "password",
    ]);
  });

  test("When the body is an array, then 422 and no account", async () => {
    const res = await api.post("/api/v1/auth/register", [{ email: uniqueEmail() }]);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe("VALIDATION_ERROR");
  });

  test("When logging in, then the right password gives a token and a wrong one or an unknown e-mail the same 401", async () => {
    const { user, password } = await register();
    const ok = await api.post("/api/v1/auth/login", { email: user.email, password });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual(user);
    const wrong = await api.post("/api/v1/auth/login", {
      email: user.email,
      password: "nope-nope",
    });
    const unknown = await api.post("/api/v1/auth/login", {
      email: uniqueEmail("ghost"),
      password: "nope-nope",
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toMatchObject({ type: "UNAUTHORIZED", code: 401 });
  });

  test("When ADMIN_EMAIL and ADMIN_PASSWORD are set, then that admin can log in with the admin role", async () => {
    const res = await api.post("/api/v1/auth/login", ADMIN);
    expect(res.status).toBe(200);
    expect(res.body.user.roles).toContain("admin");
  });
});

describe("tokens", () => {
  const secretOf = () => system.broker.options.bazaar!.jwtSecret;

  test.each([
    ["no Authorization header", {}],
    ["a non-Bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["a Bearer without token", { authorization: "Bearer" }],
    ["garbage", { authorization: "Bearer not.a.jwt" }],
  ])("When /users/me is called with %s, then 401 UNAUTHORIZED", async (_label, headers) => {
    const res = await api.get("/api/v1/users/me", { headers });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 401, type: "UNAUTHORIZED" });
  });

  test("When a token is forged, expired, unsigned or meant for another audience, then 401", async () => {
    const { user } = await register();
    const claims = { roles: ["admin"] };
    const forged = jwt.sign(claims, "some-other-secret-of-enough-length!!", {
      subject: user.id,
      issuer: "bazaar",
      audience: "bazaar-api",
    });
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, secretOf(), {
      subject: user.id,
      issuer: "bazaar",
      audience: "bazaar-api",
    });
    const unsigned = jwt.sign(claims, "", {
      algorithm: "none",
      subject: user.id,
      issuer: "bazaar",
      audience: "bazaar-api",
    });
    const otherAudience = jwt.sign(claims, secretOf(), {
      subject: user.id,
      issuer: "bazaar",
      audience: "someone-else",
    });
    for (const token of [forged, expired, unsigned, otherAudience]) {
      const res = await api.get("/api/v1/users/me", { token });
      expect(res.status).toBe(401);
      expect(res.body.type).toBe("UNAUTHORIZED");
    }
  });
});

describe("profile", () => {
  test("When a user renames themself, then the profile shows the new name", async () => {
    const { token } = await register();
    const res = await api.patch("/api/v1/users/me", { name: "Annie" }, { token });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("Annie");
    expect((await api.get("/api/v1/users/me", { token })).body.name).toBe("Annie");
  });

  test("When the body tries to set roles, id or e-mail, then 422 and nothing changes", async () => {
    const { token, user } = await register();
    for (const body of [{ roles: ["admin"] }, { id: "x" }, { email: "new@example.com" }, {}]) {
      const res = await api.patch("/api/v1/users/me", body, { token });
      expect(res.status).toBe(422);
      expect(res.body.type).toBe("VALIDATION_ERROR");
    }
    expect((await api.get("/api/v1/users/me", { token })).body).toEqual(user);
  });

  test("When a password change lacks the right current password, then 422 and the old one still works", async () => {
    const { token, user, password } = await register();
    const missing = await api.patch("/api/v1/users/me", { password: "brand-new-pass" }, { token });
    const wrong = await api.patch(
      "/api/v1/users/me",
      { password: "brand-new-pass", currentPassword: "not-it-at-all" },
      { token },
    );
    expect(missing.status).toBe(422);
    expect(wrong.status).toBe(422);
    const login = await api.post("/api/v1/auth/login", { email: user.email, password });
    expect(login.status).toBe(200);
  });

  test("When the current password is given, then the new password replaces the old", async () => {
    const { token, user, password } = await register();
    const res = await api.patch(
      "/api/v1/users/me",
      { password: "brand-new-pass", currentPassword: password },
      { token },
    );
    expect(res.status).toBe(200);
    expect((await api.post("/api/v1/auth/login", { email: user.email, password })).status).toBe(
      401,
    );
    const relogin = await api.post("/api/v1/auth/login", {
      email: user.email,
      password: "brand-new-pass",
    });
    expect(relogin.status).toBe(200);
  });
});

describe("API keys", () => {
  test("When a key is created, then it is shown once, works, and listings never show it", async () => {
    const { token, user } = await register();
    const created = await api.post("/api/v1/api-keys", { name: "ci" }, { token });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/v1/api-keys/${created.body.id}`);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: "ci",
      prefix: expect.any(String),
      scopes: ["read", "write"],
      key: expect.stringMatching(/^bzr_/),
      createdAt: expect.any(String),
    });
    expect(created.body.key).toContain(created.body.prefix);

    const me = await api.get("/api/v1/users/me", { apiKey: created.body.key });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);

    const list = await api.get("/api/v1/api-keys", { token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 20, totalPages: 1 });
    expect(list.body.rows[0]).toEqual({
      id: created.body.id,
      name: "ci",
      prefix: created.body.prefix,
      scopes: ["read", "write"],
      createdAt: created.body.createdAt,
    });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  });

  test("When a key is revoked, then it stops working at once, even after it was cached", async () => {
    const { token } = await register();
    const { body: key } = await api.post("/api/v1/api-keys", { name: "short-lived" }, { token });
    expect((await api.get("/api/v1/users/me", { apiKey: key.key })).status).toBe(200);
    expect((await api.get("/api/v1/users/me", { apiKey: key.key })).status).toBe(200);
    const revoked = await api.delete(`/api/v1/api-keys/${key.id}`, { token });
    expect(revoked.status).toBe(204);
    const after = await api.get("/api/v1/users/me", { apiKey: key.key });
    expect(after.status).toBe(401);
    expect(after.body.type).toBe("UNAUTHORIZED");
    expect((await api.get("/api/v1/api-keys", { token })).body.total).toBe(0);
  });

  test("When someone revokes another user's key or an unknown id, then 404 and the key still works", async () => {
    const owner = await register();
    const other = await register();
    const { body: key } = await api.post(
      "/api/v1/api-keys",
      { name: "mine" },
      { token: owner.token },
    );
    const res = await api.delete(`/api/v1/api-keys/${key.id}`, { token: other.token });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe("NOT_FOUND");
    expect((await api.delete("/api/v1/api-keys/nope", { token: owner.token })).status).toBe(404);
    expect((await api.get("/api/v1/users/me", { apiKey: key.key })).status).toBe(200);
  });

  test("When a key is used to manage keys or to change the profile, then 403: those need a session", async () => {
    const { token } = await register();
    const { body: key } = await api.post("/api/v1/api-keys", { name: "k" }, { token });
    const mint = await api.post("/api/v1/api-keys", { name: "k2" }, { apiKey: key.key });
    expect(mint.status).toBe(403);
    expect(mint.body.type).toBe("FORBIDDEN");
    const patch = await api.patch("/api/v1/users/me", { name: "Mallory" }, { apiKey: key.key });
    expect(patch.status).toBe(403);
    expect((await api.get("/api/v1/users/me", { token })).body.name).toBe("Ann");
  });

  test("When a key lacks the scope a route needs, then 403", async () => {
    const { token } = await register();
    const { body: key } = await api.post(
      "/api/v1/api-keys",
      { name: "events only", scopes: ["events"] },
      { token },
    );
    const res = await api.get("/api/v1/users/me", { apiKey: key.key });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain("read");
  });

  test.each([
    ["no name", {}],
    ["an unknown scope", { name: "k", scopes: ["everything"] }],
    ["an empty scope list", { name: "k", scopes: [] }],
    ["the admin scope on a customer account", { name: "k", scopes: ["admin"] }],
    ["a key of its own choosing", { name: "k", key: "bzr_aaaaaaaa_" + "a".repeat(32) }],
  ])("When a key is requested with %s, then 422 and no key exists", async (_label, body) => {
    const { token } = await register();
    const res = await api.post("/api/v1/api-keys", body, { token });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe("VALIDATION_ERROR");
    expect((await api.get("/api/v1/api-keys", { token })).body.total).toBe(0);
  });

  test.each(["bzr_short", "bzr_aaaaaaaa_" + "b".repeat(32), "x".repeat(500)])(
    "When an unknown or malformed key %#is sent, then 401",
    async (apiKey) => {
      const res = await api.get("/api/v1/users/me", { apiKey });
      expect(res.status).toBe(401);
      expect(res.body.type).toBe("UNAUTHORIZED");
    },
  );

  test("When a page size over 100 is asked for, then 422", async () => {
    const { token } = await register();
    const res = await api.get("/api/v1/api-keys?pageSize=101", { token });
    expect(res.status).toBe(422);
    expect((await api.get("/api/v1/api-keys?pageSize=0", { token })).status).toBe(422);
    expect((await api.get("/api/v1/api-keys?page=abc", { token })).status).toBe(422);
  });
});
