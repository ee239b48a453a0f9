import { connect, type Socket } from "node:net";
import { client, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";

/**
 * Clients that send slowly: per-address limits used to apply only once a body had arrived, so
 * one client's slow bodies filled the gateway's bulkhead for everyone.
 */
let system: TestSystem;
let api: Client;
let port: number;

beforeAll(async () => {
  system = await startSystem({
    GATEWAY_MAX_IN_FLIGHT: "20",
    GATEWAY_MAX_IN_FLIGHT_PER_CLIENT: "3",
    GATEWAY_HEADERS_TIMEOUT_MS: "800",
    GATEWAY_REQUEST_TIMEOUT_MS: "1500",
    TRUST_PROXY_HOPS: "1",
  });
  api = client(system.baseUrl);
  port = Number(new URL(system.baseUrl).port);
});
afterAll(() => system.stop());

const open: Socket[] = [];
afterEach(() => open.splice(0).forEach((s) => s.destroy()));

/** A raw connection that has sent `text` and collects whatever comes back until it closes. */
function rawRequest(text: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, "127.0.0.1");
  open.push(socket);
  socket.write(text);
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString()));
  const answer = new Promise<string>((resolve) => socket.on("close", () => resolve(received)));
  socket.on("error", () => undefined);
  return { socket, answer };
}

const slowBody = (from: string) =>
  "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
  `X-Forwarded-For: ${from}\r\nContent-Length: 100\r\n\r\n{"email":`;

test("When one client holds its share of slow bodies, then its next request gets 429 and other clients are served", async () => {
  for (let i = 0; i < 3; i++) rawRequest(slowBody("198.51.100.20"));
  await new Promise((r) => setTimeout(r, 200));
  const refused = await api.post(
    "/api/v1/auth/login",
    { email: "a@b.co", password: "x" },
    { headers: { "x-forwarded-for": "198.51.100.20" } },
  );
  expect(refused.status).toBe(429);
  expect(refused.body.type).toBe("RATE_LIMITED");
  const other = await api.get("/api/v1/products", {
    headers: { "x-forwarded-for": "198.51.100.21" },
  });
  expect(other.status).toBe(200);
});

test("When a body never finishes arriving, then the request is cut off with 408 and its share is freed", async () => {
  const { answer } = rawRequest(slowBody("198.51.100.30"));
  expect(await answer).toMatch(/^HTTP\/1\.1 408/);
  const after = await api.get("/api/v1/products", {
    headers: { "x-forwarded-for": "198.51.100.30" },
  });
  expect(after.status).toBe(200);
});

test("When headers never finish arriving, then the connection is cut off", async () => {
  const { answer } = rawRequest("GET /api/v1/products HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  expect(await answer).toMatch(/^HTTP\/1\.1 408/);
});
