import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { uniqueEmail, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { startServingNode } from "../harness/serving-node";

/**
 * A crash changes nothing a client or a buyer can see: for each way an order can go (confirmed,
 * out of stock, declined) and each saga fault point it passes, a node killed there and started
 * again settles the order with the same status and reason, answers a retry the same, and tells
 * the buyer the same messages, once, as a node that never crashed.
 */
const ADMIN = { email: "outcome-admin@example.com", password: "outcome-admin-1" };
const ADDRESS = { name: "C", line1: "1 Road", city: "Town", postalCode: "1", country: "DE" };

const SCENARIOS = {
  confirmed: { quantity: 2, token: "tok_visa" },
  outOfStock: { quantity: 9, token: "tok_visa" },
  declined: { quantity: 2, token: "tok_chargeDeclined" },
} as const;
type Scenario = keyof typeof SCENARIOS;

/** The fault points each scenario passes. */
const CASES: [Scenario, string][] = [
  ["confirmed", "after-order-insert"],
  ["confirmed", "after-reserve"],
  ["confirmed", "after-charge"],
  ["confirmed", "after-confirm-write"],
  ["outOfStock", "after-order-insert"],
  ["outOfStock", "after-refusal"],
  ["outOfStock", "after-confirm-write"],
  ["declined", "after-reserve"],
  ["declined", "after-refusal"],
  ["declined", "after-confirm-write"],
];

interface Seen {
  status: string;
  failureReason?: string;
  retry: { status: number; type?: string };
  messages: string[];
}

function startNode(dataDir: string, fault?: string) {
  return startServingNode({
    DATA_DIR: dataDir,
    JWT_SECRET: "outcome-test-secret-".padEnd(40, "x"),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_AUTH: "10000",
    QUIET_HOURS: "off",
    ...(fault ? { FAULT_INJECTION: fault } : {}),
  });
}

/** A product, a buyer and the order's body and key, on a fresh store. */
async function prepare(api: Client, scenario: Scenario) {
  const admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
  const product = (
    await api.post(
      "/api/v1/products",
      { sku: `OUT-${scenario}`, name: "Kettle", price: 700, category: "c", stock: 5 },
      { token: admin },
    )
  ).body;
  const buyer = (
    await api.post("/api/v1/auth/register", {
      email: uniqueEmail("outcome"),
      password: "correct-horse",
      name: "Buyer",
    })
  ).body.token as string;
  const { quantity, token } = SCENARIOS[scenario];
  const body = {
    items: [{ productId: product.id, quantity }],
    shippingAddress: ADDRESS,
    payment: { token },
  };
  return { buyer, body, headers: { "idempotency-key": `outcome-${scenario}` } };
}

/** What the buyer and a retrying client see once the order settled and its messages went out. */
async function seen(api: Client, order: Awaited<ReturnType<typeof prepare>>): Promise<Seen> {
  const auth = { token: order.buyer };
  const settled = await waitFor(
    async () => {
      const [row] = (await api.get("/api/v1/orders", auth)).body.rows ?? [];
      return row && row.status !== "PENDING" ? row : undefined;
    },
    15_000,
    "the settled order",
  );
  const retry = await api.post("/api/v1/orders", order.body, { ...auth, headers: order.headers });
  // Messages follow the order through channels: wait until they stop arriving.
  let messages: string[] = [];
  for (let quiet = 0; quiet < 8;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = ((await api.get("/api/v1/notifications", auth)).body.rows ?? []).map(
      (n: { type: string }) => n.type,
    );
    quiet = now.length === messages.length ? quiet + 1 : 0;
    messages = now;
  }
  return {
    status: settled.status,
    failureReason: settled.failureReason,
    retry: { status: retry.status, type: retry.body?.type },
    messages: messages.sort(),
  };
}

const unharmed = new Map<Scenario, Seen>();

beforeAll(async () => {
  for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), `bazaar-outcome-${scenario}-`));
    const node = await startNode(dataDir);
    try {
      const order = await prepare(node.api, scenario);
      await node.api.post("/api/v1/orders", order.body, {
        token: order.buyer,
        headers: order.headers,
      });
      unharmed.set(scenario, await seen(node.api, order));
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}, 120_000);

test("When no node crashes, then each scenario ends as the shop promises", () => {
  expect(unharmed.get("confirmed")).toMatchObject({
    status: "CONFIRMED",
    retry: { status: 201 },
  });
  expect(unharmed.get("outOfStock")).toMatchObject({
    status: "REJECTED",
    failureReason: "out_of_stock",
    retry: { status: 409, type: "OUT_OF_STOCK" },
    messages: ["order_failed", "welcome"],
  });
  expect(unharmed.get("declined")).toMatchObject({
    status: "PAYMENT_FAILED",
    retry: { status: 402, type: "PAYMENT_DECLINED" },
  });
});

describe.each(CASES)("an order %s, its node killed %s", (scenario, fault) => {
  test("When the node starts again, then the order ends, answers and is told exactly as without the crash", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), `bazaar-outcome-${fault}-`));
    try {
      const first = await startNode(dataDir, fault);
      const order = await prepare(first.api, scenario);
      const died = await first.api
        .post("/api/v1/orders", order.body, { token: order.buyer, headers: order.headers })
        .then(
          (res) => res.status,
          () => "connection lost",
        );
      await first.stop();
      expect({ died, said: first.output().includes(`dying at ${fault}`) }).toEqual({
        died: "connection lost",
        said: true,
      });
      const second = await startNode(dataDir);
      try {
        expect(await seen(second.api, order)).toEqual(unharmed.get(scenario));
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
