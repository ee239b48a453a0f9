import { client, uniqueEmail, type Client } from "../harness/http";
import { invariantViolations, snapshot } from "../harness/invariants";
import { freePort } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "shopkeeper@example.com", password: "shopkeeper-1" };
const ADDRESS = {
  name: "Test Buyer",
  line1: "1 Market Street",
  city: "Springfield",
  postalCode: "12345",
  country: "US",
};

let system: TestSystem;
let api: Client;
let admin: string;
const initialStock: Record<string, number> = {};
let skuCounter = 0;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  system = await startSystem({
    METRICS_PORT: String(metricsPort),
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(() => system.stop());

async function customer(): Promise<string> {
  const res = await api.post("/api/v1/auth/register", {
    email: uniqueEmail("buyer"),
    password: "correct-horse",
    name: "Buyer",
  });
  return res.body.token;
}

async function product(fields: Record<string, unknown> = {}) {
  skuCounter++;
  const res = await api.post(
    "/api/v1/products",
    {
      sku: `SKU-${process.pid}-${skuCounter}`,
      name: `Thing ${skuCounter}`,
      price: 1250,
      category: "things",
      stock: 10,
      ...fields,
    },
    { token: admin },
  );
  expect(res.status).toBe(201);
  expect(res.headers.get("location")).toBe(`/api/v1/products/${res.body.id}`);
  initialStock[res.body.id] = res.body.stock;
  return res.body as { id: string; stock: number; price: number; sku: string };
}

const stockOf = async (id: string) =>
  (await api.get(`/api/v1/products/${id}`, { token: admin })).body.stock;

function order(token: string, items: unknown, extra: Record<string, unknown> = {}, key?: string) {
  return api.post(
    "/api/v1/orders",
    { items, shippingAddress: ADDRESS, payment: { token: "tok_visa" }, ...extra },
    { token, headers: key ? { "idempotency-key": key } : {} },
  );
}

describe("the catalog", () => {
  test("When an admin creates a product, then anyone can read it, and its SKU is unique", async () => {
    const p = await product({
      name: "Field watch",
      description: "Mechanical",
      category: "watches",
    });
    const anonymous = await api.get(`/api/v1/products/${p.id}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({
      id: p.id,
      sku: p.sku,
      name: "Field watch",
      description: "Mechanical",
      price: 1250,
      currency: "USD",
      category: "watches",
      stock: 10,
      active: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const dup = await api.post(
      "/api/v1/products",
      { sku: p.sku, name: "Copy", price: 1, category: "x" },
      { token: admin },
    );
    expect(dup.status).toBe(409);
    expect(dup.body.type).toBe("SKU_TAKEN");
  });

  test("When a customer or a visitor tries to manage products, then 403 or 401", async () => {
    const token = await customer();
    const body = { sku: "NOPE-1", name: "x", price: 1, category: "x" };
    expect((await api.post("/api/v1/products", body, { token })).status).toBe(403);
    expect((await api.post("/api/v1/products", body)).status).toBe(401);
    const p = await product();
    expect((await api.patch(`/api/v1/products/${p.id}`, { price: 1 }, { token })).status).toBe(403);
    expect((await api.delete(`/api/v1/products/${p.id}`, { token })).status).toBe(403);
    expect(await stockOf(p.id)).toBe(10);
  });

  test.each([
    ["a negative price", { price: -1 }],
    ["a fractional price", { price: 12.5 }],
    ["a price as text", { price: "12" }],
    ["a lowercase currency", { currency: "usd" }],
    ["negative stock", { stock: -3 }],
    ["a SKU with spaces", { sku: "A B" }],
    ["no name", { name: "" }],
    ["an unknown field", { holds: { x: 1 } }],
  ])("When a product has %s, then 422 and nothing is created", async (_label, change) => {
    const sku = `BAD-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await api.post(
      "/api/v1/products",
      { sku, name: "Bad", price: 100, category: "bad", ...change },
      { token: admin },
    );
    expect(res.status).toBe(422);
    expect(res.body.type).toBe("VALIDATION_ERROR");
    const list = await api.get(`/api/v1/products?q=${encodeURIComponent(sku)}`, { token: admin });
    expect(list.body.rows.filter((r: { sku: string }) => r.sku === sku)).toEqual([]);
  });

  test("When an admin updates a product, then every read shows the change at once", async () => {
    const p = await product();
    await api.get(`/api/v1/products/${p.id}`); // cached now
    const res = await api.patch(
      `/api/v1/products/${p.id}`,
      { price: 999, name: "Renamed" },
      { token: admin },
    );
    expect(res.status).toBe(200);
    const read = await api.get(`/api/v1/products/${p.id}`);
    expect(read.body).toMatchObject({ price: 999, name: "Renamed" });
  });

  test("When a product is deleted, then customers no longer see or order it, and admins still do", async () => {
    const p = await product({ category: `gone-${process.pid}` });
    const token = await customer();
    expect((await api.delete(`/api/v1/products/${p.id}`, { token: admin })).body.active).toBe(
      false,
    );
    expect((await api.get(`/api/v1/products/${p.id}`)).status).toBe(404);
    const list = await api.get(`/api/v1/products?category=gone-${process.pid}`);
    expect(list.body.total).toBe(0);
    const adminList = await api.get(`/api/v1/products?category=gone-${process.pid}`, {
      token: admin,
    });
    expect(adminList.body.total).toBe(1);
    const res = await order(token, [{ productId: p.id, quantity: 1 }]);
    expect(res.status).toBe(422);
    expect(await stockOf(p.id)).toBe(10);
  });

  test("When listing, then category, sort and pages work, and bad ones are 422", async () => {
    const category = `sorted-${process.pid}`;
    await product({ category, price: 300 });
    await product({ category, price: 100 });
    await product({ category, price: 200 });
    const res = await api.get(`/api/v1/products?category=${category}&sort=-price&pageSize=2`);
    expect(res.body).toMatchObject({ total: 3, page: 1, pageSize: 2, totalPages: 2 });
    expect(res.body.rows.map((r: { price: number }) => r.price)).toEqual([300, 200]);
    const page2 = await api.get(
      `/api/v1/products?category=${category}&sort=-price&pageSize=2&page=2`,
    );
    expect(page2.body.rows.map((r: { price: number }) => r.price)).toEqual([100]);
    expect((await api.get("/api/v1/products?pageSize=101")).status).toBe(422);
    expect((await api.get("/api/v1/products?sort=holds")).status).toBe(422);
    expect((await api.get("/api/v1/products?page=0")).status).toBe(422);
  });

  test("When searching, then products whose name matches rank above those that only mention it", async () => {
    const tag = `zq${process.pid}`;
    await product({
      name: `Plain mug`,
      description: `goes with a ${tag} lamp`,
      category: "kitchen",
    });
    await product({ name: `${tag} lamp`, description: "bright", category: "home" });
    const res = await api.get(`/api/v1/products?q=${tag}%20lamp`);
    expect(res.body.rows.map((r: { name: string }) => r.name)).toEqual([
      `${tag} lamp`,
      "Plain mug",
    ]);
    expect((await api.get(`/api/v1/products?q=${tag}nothing`)).body.total).toBe(0);
  });
});

describe("the cart", () => {
  test("When a user fills and empties their cart, then it holds quantities and shows current prices", async () => {
    const token = await customer();
    const a = await product();
    const b = await product();
    expect((await api.get("/api/v1/cart", { token })).body).toEqual({
      items: [],
      subtotal: 0,
      currency: null,
      updatedAt: null,
    });
    await api.request("PUT", `/api/v1/cart/items/${a.id}`, { quantity: 2 }, { token });
    const put = await api.request("PUT", `/api/v1/cart/items/${b.id}`, { quantity: 1 }, { token });
    expect(put.status).toBe(200);
    expect(put.body.items).toHaveLength(2);
    expect(put.body).toMatchObject({ subtotal: 3 * 1250, currency: "USD" });
    await api.request("PUT", `/api/v1/cart/items/${a.id}`, { quantity: 5 }, { token });
    const cart = (await api.get("/api/v1/cart", { token })).body;
    expect(cart.items.find((i: { productId: string }) => i.productId === a.id).quantity).toBe(5);
    expect((await api.delete(`/api/v1/cart/items/${b.id}`, { token })).body.items).toHaveLength(1);
    expect((await api.delete("/api/v1/cart", { token })).status).toBe(204);
    expect((await api.get("/api/v1/cart", { token })).body.items).toEqual([]);
    const other = await customer();
    expect((await api.get("/api/v1/cart", { token: other })).body.items).toEqual([]);
  });

  test("When a price or the stock changes, then the cart shows it at once: line totals, availability, subtotal", async () => {
    const token = await customer();
    const a = await product({ name: "Desk lamp", stock: 10 });
    const b = await product({ stock: 1 });
    await api.request("PUT", `/api/v1/cart/items/${a.id}`, { quantity: 2 }, { token });
    await api.request("PUT", `/api/v1/cart/items/${b.id}`, { quantity: 3 }, { token });
    await api.patch(`/api/v1/products/${a.id}`, { price: 999 }, { token: admin });
    const cart = (await api.get("/api/v1/cart", { token })).body;
    const line = (id: string) => cart.items.find((i: { productId: string }) => i.productId === id);
    expect(line(a.id)).toEqual({
      productId: a.id,
      quantity: 2,
      sku: a.sku,
      name: "Desk lamp",
      unitPrice: 999,
      lineTotal: 1998,
      available: true,
    });
    // Three wanted, one in stock: shown, flagged, and left out of the subtotal.
    expect(line(b.id)).toMatchObject({ quantity: 3, lineTotal: 3750, available: false });
    expect(cart).toMatchObject({ subtotal: 1998, currency: "USD" });
  });

  test.each([
    ["zero", 0],
    ["a negative quantity", -1],
    ["a fractional quantity", 1.5],
    ["a huge quantity", 1_000_000],
    ["text", "2"],
  ])("When a cart line has %s, then 422 and the cart is unchanged", async (_label, quantity) => {
    const token = await customer();
    const p = await product();
    const res = await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity }, { token });
    expect(res.status).toBe(422);
    expect((await api.get("/api/v1/cart", { token })).body.items).toEqual([]);
  });

  test("When a cart line names an unknown or inactive product, then 404", async () => {
    const token = await customer();
    const res = await api.request("PUT", "/api/v1/cart/items/nope", { quantity: 1 }, { token });
    expect(res.status).toBe(404);
    const p = await product();
    await api.delete(`/api/v1/products/${p.id}`, { token: admin });
    expect(
      (await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 1 }, { token })).status,
    ).toBe(404);
  });
});

describe("orders", () => {
  test("When a customer orders, then 201 CONFIRMED, priced from the catalog, stock taken, payment recorded", async () => {
    const token = await customer();
    const p = await product({ price: 1999, stock: 5 });
    const res = await order(token, [{ productId: p.id, quantity: 2 }]);
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/v1/orders/${res.body.id}`);
    expect(res.body).toMatchObject({
      status: "CONFIRMED",
      total: 3998,
      currency: "USD",
      items: [{ productId: p.id, sku: p.sku, unitPrice: 1999, quantity: 2, lineTotal: 3998 }],
      shippingAddress: ADDRESS,
      paymentId: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toContain("tok_visa");
    expect(await stockOf(p.id)).toBe(3);
    const payments = await api.get(`/api/v1/payments?orderId=${res.body.id}`, { token });
    expect(payments.body.rows).toEqual([
      {
        id: res.body.paymentId,
        orderId: res.body.id,
        amount: 3998,
        refunded: 0,
        currency: "USD",
        status: "succeeded",
        createdAt: expect.any(String),
      },
    ]);
    expect((await api.get(`/api/v1/orders/${res.body.id}`, { token })).body.status).toBe(
      "CONFIRMED",
    );
  });

  test("When a client sends its own price, then 422: prices come only from the catalog", async () => {
    const token = await customer();
    const p = await product();
    const res = await order(token, [{ productId: p.id, quantity: 1, unitPrice: 1 }]);
    expect(res.status).toBe(422);
    expect(await stockOf(p.id)).toBe(10);
  });

  test("When stock is short, then 409 OUT_OF_STOCK, stock unchanged, order REJECTED", async () => {
    const token = await customer();
    const plenty = await product({ stock: 10 });
    const scarce = await product({ stock: 1 });
    const res = await order(token, [
      { productId: plenty.id, quantity: 3 },
      { productId: scarce.id, quantity: 2 },
    ]);
    expect(res.status).toBe(409);
    expect(res.body.type).toBe("OUT_OF_STOCK");
    expect(await stockOf(plenty.id)).toBe(10);
    expect(await stockOf(scarce.id)).toBe(1);
    const mine = await api.get("/api/v1/orders", { token });
    expect(mine.body.rows.map((o: { status: string }) => o.status)).toEqual(["REJECTED"]);
  });

  test.each([
    ["tok_chargeDeclined", 402, "PAYMENT_DECLINED", "card_declined"],
    ["tok_insufficientFunds", 402, "PAYMENT_DECLINED", "insufficient_funds"],
    ["tok_processingError", 503, "SERVICE_UNAVAILABLE", "processing_error"],
  ])(
    "When the card %s fails, then %i %s, stock restored, order PAYMENT_FAILED",
    async (card, status, type, reason) => {
      const token = await customer();
      const p = await product({ stock: 4 });
      const res = await order(token, [{ productId: p.id, quantity: 2 }], {
        payment: { token: card },
      });
      expect(res.status).toBe(status);
      expect(res.body.type).toBe(type);
      expect(await stockOf(p.id)).toBe(4);
      const [failed] = (await api.get("/api/v1/orders", { token })).body.rows;
      expect(failed).toMatchObject({ status: "PAYMENT_FAILED", failureReason: reason });
    },
  );

  test("When a request is repeated with its Idempotency-Key, then the first result comes back and nothing happens twice", async () => {
    const token = await customer();
    const p = await product({ stock: 5 });
    const key = `key-${Date.now()}`;
    const first = await order(token, [{ productId: p.id, quantity: 1 }], {}, key);
    const again = await order(token, [{ productId: p.id, quantity: 1 }], {}, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await stockOf(p.id)).toBe(4);
    expect((await api.get("/api/v1/orders", { token })).body.total).toBe(1);
    const reused = await order(token, [{ productId: p.id, quantity: 2 }], {}, key);
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await stockOf(p.id)).toBe(4);
  });

  test("When twin requests with one key race, then one order is made", async () => {
    const token = await customer();
    const p = await product({ stock: 5 });
    const key = `twin-${Date.now()}`;
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => order(token, [{ productId: p.id, quantity: 1 }], {}, key)),
    );
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(await stockOf(p.id)).toBe(4);
  });

  test("When a declined order is replayed, then the same 402 comes back", async () => {
    const token = await customer();
    const p = await product();
    const key = `declined-${Date.now()}`;
    const body = { payment: { token: "tok_chargeDeclined" } };
    expect((await order(token, [{ productId: p.id, quantity: 1 }], body, key)).status).toBe(402);
    expect((await order(token, [{ productId: p.id, quantity: 1 }], body, key)).status).toBe(402);
    expect((await api.get("/api/v1/orders", { token })).body.total).toBe(1);
  });

  test("When a confirmed order is cancelled, then it is refunded in full and restocked, once", async () => {
    const token = await customer();
    const p = await product({ stock: 6 });
    const placed = await order(token, [{ productId: p.id, quantity: 2 }]);
    const cancel = await api.post(`/api/v1/orders/${placed.body.id}/cancel`, undefined, { token });
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe("CANCELLED");
    expect(await stockOf(p.id)).toBe(6);
    const payment = (await api.get(`/api/v1/payments?orderId=${placed.body.id}`, { token })).body
      .rows[0];
    expect(payment).toMatchObject({ amount: placed.body.total, refunded: placed.body.total });
    const again = await api.post(`/api/v1/orders/${placed.body.id}/cancel`, undefined, { token });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe("INVALID_STATE");
    expect(await stockOf(p.id)).toBe(6);
  });

  test("When someone else's order is read, cancelled or listed, then it is 404 or absent", async () => {
    const owner = await customer();
    const other = await customer();
    const p = await product();
    const placed = await order(owner, [{ productId: p.id, quantity: 1 }]);
    expect((await api.get(`/api/v1/orders/${placed.body.id}`, { token: other })).status).toBe(404);
    expect(
      (await api.post(`/api/v1/orders/${placed.body.id}/cancel`, undefined, { token: other }))
        .status,
    ).toBe(404);
    expect((await api.get("/api/v1/orders", { token: other })).body.total).toBe(0);
    expect(
      (await api.get(`/api/v1/payments?orderId=${placed.body.id}`, { token: other })).body.total,
    ).toBe(0);
    expect((await api.get(`/api/v1/orders/${placed.body.id}`, { token: admin })).status).toBe(200);
    expect((await api.get("/api/v1/orders/ord_missing", { token: owner })).status).toBe(404);
  });

  test("When an admin ships and delivers, then the order moves on; customers and wrong orders are refused", async () => {
    const token = await customer();
    const p = await product();
    const placed = await order(token, [{ productId: p.id, quantity: 1 }]);
    const id = placed.body.id;
    expect((await api.post(`/api/v1/orders/${id}/ship`, undefined, { token })).status).toBe(403);
    expect(
      (await api.post(`/api/v1/orders/${id}/deliver`, undefined, { token: admin })).status,
    ).toBe(409);
    expect(
      (await api.post(`/api/v1/orders/${id}/ship`, undefined, { token: admin })).body.status,
    ).toBe("SHIPPED");
    expect((await api.post(`/api/v1/orders/${id}/cancel`, undefined, { token })).status).toBe(409);
    expect(
      (await api.post(`/api/v1/orders/${id}/deliver`, undefined, { token: admin })).body.status,
    ).toBe("DELIVERED");
  });

  test("When ordering from the cart, then the cart's lines are ordered and the cart is emptied", async () => {
    const token = await customer();
    const p = await product({ price: 500 });
    const empty = await api.post(
      "/api/v1/orders",
      { fromCart: true, shippingAddress: ADDRESS, payment: { token: "tok_visa" } },
      { token },
    );
    expect(empty.status).toBe(422);
    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 3 }, { token });
    const res = await api.post(
      "/api/v1/orders",
      { fromCart: true, shippingAddress: ADDRESS, payment: { token: "tok_visa" } },
      { token },
    );
    expect(res.status).toBe(201);
    expect(res.body.total).toBe(1500);
    expect((await api.get("/api/v1/cart", { token })).body.items).toEqual([]);
  });

  test.each([
    ["a zero quantity", { items: [{ quantity: 0 }] }],
    ["a negative quantity", { items: [{ quantity: -2 }] }],
    ["a fractional quantity", { items: [{ quantity: 1.5 }] }],
    ["a huge quantity", { items: [{ quantity: 1e9 }] }],
    ["no items", { items: [] }],
    ["an unknown product", { items: [{ productId: "no-such-product", quantity: 1 }] }],
    ["the same product twice", { items: [{ quantity: 1 }, { quantity: 1 }] }],
    ["both items and fromCart", { fromCart: true }],
    ["no address", { shippingAddress: undefined }],
    ["an unknown country", { shippingAddress: { ...ADDRESS, country: "XX" } }],
    ["an address with extra fields", { shippingAddress: { ...ADDRESS, gift: true } }],
    ["no payment", { payment: undefined }],
    ["a status", { status: "CONFIRMED" }],
  ])("When an order has %s, then 4xx and nothing changes", async (_label, change) => {
    const token = await customer();
    const p = await product({ stock: 3 });
    const items = ((change as { items?: object[] }).items ?? [{ quantity: 1 }]).map((l) => ({
      productId: p.id,
      ...l,
    }));
    const body = {
      items,
      shippingAddress: ADDRESS,
      payment: { token: "tok_visa" },
      ...change,
      ...{},
    };
    if ("items" in change) body.items = items;
    const res = await api.post("/api/v1/orders", body, { token });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.type).toBe("VALIDATION_ERROR");
    expect(await stockOf(p.id)).toBe(3);
    expect((await api.get("/api/v1/orders", { token })).body.total).toBe(0);
  });

  test("When an Idempotency-Key is malformed, then 422 and no order", async () => {
    const token = await customer();
    const p = await product();
    const res = await order(token, [{ productId: p.id, quantity: 1 }], {}, "x".repeat(300));
    expect(res.status).toBe(422);
    expect((await api.get("/api/v1/orders", { token })).body.total).toBe(0);
  });

  test("When 40 customers race for 10 units, then exactly 10 orders are confirmed and stock ends at 0", async () => {
    const p = await product({ stock: 10 });
    // Registered ten at a time: the race under test is the checkouts', not the sign-ups'.
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++)
      tokens.push(...(await Promise.all(Array.from({ length: 10 }, () => customer()))));
    const replies = await Promise.all(
      tokens.map((t) => order(t, [{ productId: p.id, quantity: 1 }])),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(30);
    expect(await stockOf(p.id)).toBe(0);
  });
});

describe("after everything above", () => {
  test("When Prometheus scrapes the node, then orders, revenue, payments and rejections are counted", async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^bazaar_orders_total\{status="CONFIRMED"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^bazaar_orders_total\{status="REJECTED"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^bazaar_revenue_total\{currency="USD"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^bazaar_payments_total\{result="declined"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^bazaar_reservations_rejected_total(\{[^}]*\})? [1-9]/m);
    expect(text).toMatch(/^bazaar_outbox_pending(\{[^}]*\})? \d/m);
  });

  test("When the books are checked, then every invariant of architecture §5 holds", async () => {
    const snap = await snapshot(api, admin, initialStock);
    expect(invariantViolations(snap)).toEqual([]);
    expect(snap.orders.length).toBeGreaterThan(20);
  });
});
