import { Contract } from "./contract";

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
    let payload: string | undefined;
    if (body !== undefined) {
      headers["content-type"] ??= "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await fetch((await base()) + path, { method, headers, body: payload });
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
    post: <T = any>(path: string, body?: unknown, auth?: Auth) =>
      request<T>("POST", path, body, auth),
    patch: <T = any>(path: string, body?: unknown, auth?: Auth) =>
      request<T>("PATCH", path, body, auth),
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
