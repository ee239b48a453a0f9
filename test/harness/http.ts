import { Contract } from "./contract";
import { waitFor } from "./node-process";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Auth {
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

/** A JSON client for the gateway: what any user of the REST API would send. */
/** `baseUrl` may be a function: a front door choosing a gateway (and waiting for one) per request. */
export function client(baseUrl: string | (() => string | Promise<string>)) {
  const base = typeof baseUrl === "string" ? () => baseUrl : baseUrl;
  let contract: Contract | undefined;
  async function request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    auth: Auth = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...auth.headers };
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (auth.apiKey) headers["x-api-key"] = auth.apiKey;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["content-type"] ??= "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    // A client sees what the server answers: a redirect is checked, not followed.
    const res = await fetch((await base()) + path, {
      method,
      headers,
      body: payload,
      redirect: "manual",
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text, the test will say so
    }
    const problems = contract?.violations(method, path, res.status, parsed) ?? [];
    if (problems.length > 0)
      throw new Error(`The answer breaks the API description:\n${problems.join("\n")}`);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  return {
    request,
    /** From now on, every answer must match the gateway's own API description. */
    async followContract(): Promise<Contract> {
      const res = await request("GET", "/api/v1/openapi.json");
      if (res.status !== 200) throw new Error(`/api/v1/openapi.json answered ${res.status}`);
      contract = new Contract(res.body);
      return contract;
    },
    get: <T = any>(path: string, auth?: Auth) => request<T>("GET", path, undefined, auth),
    /** A multipart form with one file, as a browser's upload sends it. */
    upload: <T = any>(
      path: string,
      file: Buffer,
      name: string,
      auth?: Auth,
      type = "application/pdf",
    ) => {
      const form = new FormData();
      form.append("file", new Blob([file], { type }), name);
      return request<T>("POST", path, form, auth);
    },
    post: <T = any>(path: string, body?: unknown, auth?: Auth) =>
      request<T>("POST", path, body, auth),
    patch: <T = any>(path: string, body?: unknown, auth?: Auth) =>
      request<T>("PATCH", path, body, auth),
    put: <T = any>(path: string, body?: unknown, auth?: Auth) =>
      request<T>("PUT", path, body, auth),
    delete: <T = any>(path: string, auth?: Auth) => request<T>("DELETE", path, undefined, auth),
  };
}

export type Client = ReturnType<typeof client>;

let counter = 0;
export function uniqueEmail(label = "user"): string {
  counter++;
  return `${label}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export const TEST_ADDRESS = {
  name: "Test Buyer",
  line1: "1 Test Street",
  city: "Testville",
  postalCode: "12345",
  country: "DE",
};

/** The bearer token of an account, by logging in; throws if the login is refused. */
export async function loginToken(
  api: Client,
  credentials: { email: string; password: string },
): Promise<string> {
  const res = await api.post("/api/v1/auth/login", credentials);
  if (res.status !== 200) throw new Error(`login of ${credentials.email} answered ${res.status}`);
  return res.body.token;
}

/** A new customer's bearer token (a fresh e-mail under `label`). */
export async function registerBuyer(api: Client, label: string): Promise<string> {
  const res = await api.post("/api/v1/auth/register", {
    email: uniqueEmail(label),
    password: "correct-horse",
    name: label,
  });
  if (res.status !== 201) throw new Error(`registration answered ${res.status}`);
  return res.body.token;
}

/** A product made by an admin: category "test", price 100 and stock 10 unless given. */
export async function createProduct(
  api: Client,
  adminToken: string,
  fields: { sku: string; name?: string; price?: number; stock?: number; category?: string },
): Promise<{ id: string; sku: string; stock: number; price: number }> {
  const res = await api.post(
    "/api/v1/products",
    { name: fields.sku, price: 100, stock: 10, category: "test", ...fields },
    { token: adminToken },
  );
  if (res.status !== 201) throw new Error(`creating ${fields.sku} answered ${res.status}`);
  return res.body;
}

/** POST /api/v1/orders for one product line, as a shopper would place it. */
export function placeOrder(
  api: Client,
  token: string,
  productId: string,
  options: { quantity?: number; card?: string; headers?: Record<string, string> } = {},
) {
  return api.post(
    "/api/v1/orders",
    {
      items: [{ productId, quantity: options.quantity ?? 1 }],
      shippingAddress: TEST_ADDRESS,
      payment: { token: options.card ?? "tok_visa" },
    },
    { token, headers: options.headers },
  );
}

/**
 * Until the gateway serves every route: `GET /health` says up, not degraded. Readiness alone
 * is this node; a test that then calls every service waits for them all to have joined.
 */
export async function untilServing(
  api: { get(path: string): Promise<Reply> },
  ms = 60_000,
  what = "every service",
): Promise<void> {
  await waitFor(async () => (await api.get("/health")).body?.status === "up", ms, what);
}

/**
 * A new account, signed in; with `roles` and an admin's token, granted them and signed in
 * again so its token carries them.
 */
export async function newAccount(
  api: Client,
  label: string,
  grant?: { roles: string[]; admin: string },
): Promise<{ id: string; token: string }> {
  const email = uniqueEmail(label);
  const res = await api.post("/api/v1/auth/register", {
    email,
    password: "correct-horse",
    name: label,
  });
  if (res.status !== 201) throw new Error(`registering ${label} answered ${res.status}`);
  if (!grant) return { id: res.body.user.id, token: res.body.token };
  await api.put(
    `/api/v1/users/${res.body.user.id}/roles`,
    { roles: grant.roles },
    { token: grant.admin },
  );
  const login = await api.post("/api/v1/auth/login", { email, password: "correct-horse" });
  return { id: res.body.user.id, token: login.body.token };
}
