import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SAGA_FAULT_POINTS } from "../../app/settings";
import { uniqueEmail } from "../harness/http";
import { invariantViolations, snapshot } from "../harness/invariants";
import { waitFor } from "../harness/node-process";
import { startServingNode } from "../harness/serving-node";

const ADMIN = { email: "crash-admin@example.com", password: "crash-admin-1" };
const ADDRESS = { name: "C", line1: "1 Road", city: "Town", postalCode: "1", country: "DE" };

async function startNode(dataDir: string, fault?: string) {
  const node = await startServingNode({
    DATA_DIR: dataDir,
    JWT_SECRET: "crash-test-secret-".padEnd(40, "x"),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ORDER_STALE_MS: "1000",
    RATE_LIMIT_AUTH: "10000",
    ...(fault ? { FAULT_INJECTION: fault } : {}),
  });
  return { process: node, api: node.api };
}

interface StoredOrder {
  id: string;
  status: string;
  outbox?: Record<string, { type: string; sentAt?: string }>;
  outboxPending?: number;
  effectsPending?: number;
}

/** The orders as the embedded store keeps them, read from its file beside the node. */
async function storedOrders(dataDir: string): Promise<StoredOrder[]> {
  const db = new Database(path.join(dataDir, "bazaar.sqlite"), { readonly: true });
  try {
    const rows = db.prepare("SELECT id, doc FROM orders").all() as { id: string; doc: string }[];
    return rows.map((row) => ({ id: row.id, ...(JSON.parse(row.doc) as object) }) as StoredOrder);
  } finally {
    db.close();
  }
}

/** The points a confirmed order passes (a refusal is what `crash-outcomes` covers). */
const CONFIRMED_PATH = SAGA_FAULT_POINTS.filter((point) => point !== "after-refusal");

describe.each(CONFIRMED_PATH)("a node killed %s", (fault) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), `bazaar-crash-${fault}-`));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("When it restarts, then the order is settled once, stock is conserved and each event was published once", async () => {
    const first = await startNode(dataDir, fault);
    const admin = (await first.api.post("/api/v1/auth/login", ADMIN)).body.token;
    const product = (
      await first.api.post(
        "/api/v1/products",
        { sku: `CRASH-${fault}`, name: "Crash", price: 700, category: "c", stock: 5 },
        { token: admin },
      )
    ).body;
    const customer = (
      await first.api.post("/api/v1/auth/register", {
        email: uniqueEmail("crash"),
        password: "correct-horse",
        name: "C",
      })
    ).body.token;
    const body = {
      items: [{ productId: product.id, quantity: 2 }],
      shippingAddress: ADDRESS,
      payment: { token: "tok_visa" },
    };
    const headers = { "idempotency-key": `crash-${fault}` };
    const died = await first.api.post("/api/v1/orders", body, { token: customer, headers }).then(
      (res) => res.status,
      () => "connection lost",
    );
    expect(died).toBe("connection lost");
    await first.process.stop();
    expect(first.process.output()).toContain(`FAULT_INJECTION: dying at ${fault}`);

    const second = await startNode(dataDir);
    try {
      const settled = await waitFor(
        async () => {
          const res = await second.api.get("/api/v1/orders", { token: customer });
          const [order] = res.body.rows ?? [];
          return order && order.status !== "PENDING" ? order : undefined;
        },
        15_000,
        "the recovered order",
      );
      expect(settled.status).toBe("CONFIRMED");
      const replay = await second.api.post("/api/v1/orders", body, { token: customer, headers });
      expect(replay.status).toBe(201);
      expect(replay.body.id).toBe(settled.id);
      // Let the keeper finish effects and publish.
      await waitFor(
        async () => (await second.api.get(`/api/v1/products/${product.id}`)).body.stock === 3,
        5_000,
        "stock",
      );
      const snap = await snapshot(second.api, admin, { [product.id]: 5 });
      expect(invariantViolations(snap)).toEqual([]);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await second.process.stop();
    }

    const [stored] = await storedOrders(dataDir);
    expect(stored.outboxPending).toBe(0);
    expect(stored.effectsPending).toBe(0);
    const events = Object.values(stored.outbox ?? {});
    expect(events.map((e) => e.type)).toEqual(["orders.confirmed"]);
    expect(events.every((e) => e.sentAt)).toBe(true);
  }, 90_000);
});
