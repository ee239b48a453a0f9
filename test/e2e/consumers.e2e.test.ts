import { OrderStatus } from "../../contracts/orders";
import { channelMessage } from "../../platform/messaging/channels";
import { verifySignature } from "../../services/notifications/webhook-signing";
import { client, uniqueEmail, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { readMail, startReceiver, startSmtp, type Inbox } from "../harness/receivers";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "ops-consumers@example.com", password: "ops-password-1" };
const ADDRESS = { name: "N", line1: "1 Lane", city: "Town", postalCode: "1", country: "GB" };

/**
 * Quiet hours twelve hours away from now in UTC: users without a zone are never quiet during
 * the suite, and a user in the zone where it is that hour now is.
 */
const QUIET_HOUR = (new Date().getUTCHours() + 12) % 24;
const clock = (hour: number) => `${String(hour % 24).padStart(2, "0")}:00`;
/** An IANA zone whose local hour is the quiet one now (Etc/GMT signs are inverted). */
function nightZone(): string {
  let offset = (QUIET_HOUR - new Date().getUTCHours() + 24) % 24;
  if (offset > 12) offset -= 24;
  return offset === 0 ? "UTC" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

let system: TestSystem;
let api: Client;
let smtp: Inbox;
let admin: string;

beforeAll(async () => {
  smtp = await startSmtp();
  system = await startSystem({
    SMTP_URL: smtp.url,
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_RETRY_BASE_MS: "50",
    WEBHOOK_MAX_ATTEMPTS: "3",
    WEBHOOK_TIMEOUT_MS: "1000",
    CART_ABANDON_MINUTES: "0.03",
    STOREFRONT_URL: "https://shop.example/",
    QUIET_HOURS: `${clock(QUIET_HOUR)}-${clock(QUIET_HOUR + 1)}`,
    // Two reminders of one cart, each in the inbox and by e-mail.
    MAX_MESSAGES_PER_DAY: "4",
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(async () => {
  await system.stop();
  await smtp.stop();
});

async function customer() {
  const email = uniqueEmail("consumer");
  const res = await api.post("/api/v1/auth/register", {
    email,
    password: "correct-horse",
    name: "Nia",
  });
  return { token: res.body.token as string, id: res.body.user.id as string, email };
}

let sku = 0;
async function product(stock = 20, price = 1999) {
  sku++;
  const res = await api.post(
    "/api/v1/products",
    { sku: `CONS-${process.pid}-${sku}`, name: `Widget ${sku}`, price, category: "widgets", stock },
    { token: admin },
  );
  return res.body as { id: string; name: string };
}

const order = (token: string, productId: string, quantity = 1, card = "tok_visa") =>
  api.post(
    "/api/v1/orders",
    { items: [{ productId, quantity }], shippingAddress: ADDRESS, payment: { token: card } },
    { token },
  );

const inbox = async (token: string) =>
  (await api.get("/api/v1/notifications?pageSize=100", { token })).body;
const typesOf = async (token: string) =>
  (await inbox(token)).rows.map((n: { type: string }) => n.type);
const mailsTo = (email: string) =>
  smtp.mails.filter((m) => m.to.includes(email)).map((m) => readMail(m.raw));

describe("notifications", () => {
  test("When someone registers, then a welcome lands in their inbox and their mailbox", async () => {
    const me = await customer();
    await waitFor(async () => (await typesOf(me.token)).includes("welcome"), 5000, "the welcome");
    await waitFor(async () => mailsTo(me.email).length === 1, 5000, "the welcome e-mail");
    expect(mailsTo(me.email)[0].subject).toBe("Welcome to the shop");
  });

  test("When an order is confirmed, then one confirmation with its lines and total, in the inbox and by e-mail", async () => {
    const me = await customer();
    const p = await product();
    const placed = await order(me.token, p.id, 2);
    expect(placed.status).toBe(201);
    await waitFor(
      async () => (await typesOf(me.token)).includes("order_confirmed"),
      5000,
      "the confirmation",
    );
    const note = (await inbox(me.token)).rows.find(
      (n: { type: string }) => n.type === "order_confirmed",
    );
    expect(note).toMatchObject({ orderId: placed.body.id, read: false });
    expect(note.body).toContain(`2 × ${p.name}: $39.98`);
    expect(note.body).toContain("Total: $39.98");
    await waitFor(
      async () => mailsTo(me.email).some((m) => m.subject.includes("confirmed")),
      5000,
      "mail",
    );
    expect(mailsTo(me.email).find((m) => m.subject.includes("confirmed"))!.text).toContain(
      "Total: $39.98",
    );
  });

  test("When the same event is delivered again, then nothing is sent again", async () => {
    const me = await customer();
    const p = await product();
    const placed = await order(me.token, p.id);
    await waitFor(
      async () => (await typesOf(me.token)).includes("order_confirmed"),
      5000,
      "the confirmation",
    );
    const again = channelMessage(
      "orders.confirmed",
      {
        orderId: placed.body.id,
        userId: me.id,
        status: OrderStatus.CONFIRMED,
        total: 1999,
        currency: "USD",
        items: [],
        createdAt: placed.body.createdAt,
      },
      (await inbox(me.token)).rows
        .find((n: { type: string }) => n.type === "order_confirmed")
        .id.slice(4),
    );
    await system.broker.sendToChannel("orders.confirmed", again);
    await system.broker.sendToChannel("orders.confirmed", again);
    await new Promise((r) => setTimeout(r, 500));
    expect((await typesOf(me.token)).filter((t: string) => t === "order_confirmed")).toHaveLength(
      1,
    );
    expect(mailsTo(me.email).filter((m) => m.subject.includes("confirmed"))).toHaveLength(1);
  });

  test("When a payment fails or stock runs out, then the customer is told once, with the reason", async () => {
    const me = await customer();
    const p = await product(1);
    expect((await order(me.token, p.id, 1, "tok_insufficientFunds")).status).toBe(402);
    expect((await order(me.token, p.id, 5)).status).toBe(409);
    await waitFor(
      async () => {
        const types = await typesOf(me.token);
        return types.includes("payment_failed") && types.includes("order_failed");
      },
      5000,
      "both failures",
    );
    const rows = (await inbox(me.token)).rows;
    expect(rows.filter((n: { type: string }) => n.type.endsWith("_failed"))).toHaveLength(2);
    const told = rows.find((n: { type: string }) => n.type === "payment_failed").body;
    expect(told).toContain("insufficient funds");
    // The amount the customer was not charged, as money: once it read "$NaN".
    expect(told).toContain("payment of $19.99:");
    const paymentMail = () => mailsTo(me.email).find((m) => m.subject.startsWith("Payment"));
    await waitFor(async () => paymentMail() !== undefined, 5000, "the payment e-mail");
    expect(paymentMail()?.text).toContain("payment of $19.99:");
  });

  test("When an order is shipped, delivered, or another is cancelled, then each is told once", async () => {
    const me = await customer();
    const p = await product();
    const kept = await order(me.token, p.id);
    const cancelled = await order(me.token, p.id);
    await api.post(`/api/v1/orders/${kept.body.id}/ship`, undefined, { token: admin });
    await api.post(`/api/v1/orders/${kept.body.id}/deliver`, undefined, { token: admin });
    await api.post(`/api/v1/orders/${cancelled.body.id}/cancel`, undefined, { token: me.token });
    await waitFor(async () => (await typesOf(me.token)).length === 6, 5000, "six notifications");
    expect((await typesOf(me.token)).sort()).toEqual([
      "order_cancelled",
      "order_confirmed",
      "order_confirmed",
      "order_delivered",
      "order_shipped",
      "welcome",
    ]);
  });

  test("When reading the inbox, then it is newest first, paged, one's own, and can be marked read", async () => {
    const me = await customer();
    const other = await customer();
    const p = await product();
    await order(me.token, p.id);
    await waitFor(async () => (await inbox(me.token)).total === 2, 5000, "two notifications");
    const page = await api.get("/api/v1/notifications?pageSize=1", { token: me.token });
    expect(page.body).toMatchObject({ total: 2, pageSize: 1, totalPages: 2 });
    expect(page.body.rows[0].type).toBe("order_confirmed");
    const id = page.body.rows[0].id;
    expect(
      (await api.post(`/api/v1/notifications/${id}/read`, undefined, { token: other.token }))
        .status,
    ).toBe(404);
    const read = await api.post(`/api/v1/notifications/${id}/read`, undefined, { token: me.token });
    expect(read.body.read).toBe(true);
    expect(
      (await api.get("/api/v1/notifications?unread=true", { token: me.token })).body.total,
    ).toBe(1);
    expect(
      (await inbox(other.token)).rows.every((n: { type: string }) => n.type === "welcome"),
    ).toBe(true);
    expect((await api.get("/api/v1/notifications?pageSize=500", { token: me.token })).status).toBe(
      422,
    );
  });
});

describe("webhooks", () => {
  async function hook(url: string, events = ["orders.confirmed"]) {
    const res = await api.post("/api/v1/webhooks", { url, events }, { token: admin });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/v1/webhooks/${res.body.id}`);
    return res.body as { id: string; secret: string };
  }
  const deliveries = async (id: string) =>
    (await api.get(`/api/v1/webhooks/${id}/deliveries`, { token: admin })).body.rows;

  test("When an order is confirmed, then each webhook gets one signed POST its receiver can verify", async () => {
    const receiver = await startReceiver();
    try {
      const created = await hook(receiver.url);
      expect(created.secret).toMatch(/^whsec_/);
      const listed = await api.get("/api/v1/webhooks", { token: admin });
      expect(JSON.stringify(listed.body)).not.toContain(created.secret);
      const me = await customer();
      const placed = await order(me.token, (await product()).id);
      // The delivery is recorded once the receiver's answer is back, a moment after the hit.
      await waitFor(
        async () => (await deliveries(created.id))[0]?.status === "delivered",
        5000,
        "the delivery",
      );
      expect(receiver.hits).toHaveLength(1);
      const [hit] = receiver.hits;
      expect(hit.headers["x-bazaar-event"]).toBe("orders.confirmed");
      const ok = verifySignature(
        created.secret,
        {
          timestamp: String(hit.headers["x-bazaar-timestamp"]),
          signature: String(hit.headers["x-bazaar-signature"]),
        },
        hit.body,
      );
      expect(ok).toBe(true);
      expect(
        verifySignature(
          "whsec_wrong-secret-123456",
          {
            timestamp: String(hit.headers["x-bazaar-timestamp"]),
            signature: String(hit.headers["x-bazaar-signature"]),
          },
          hit.body,
        ),
      ).toBe(false);
      const message = JSON.parse(hit.body);
      expect(message).toMatchObject({
        type: "orders.confirmed",
        data: { orderId: placed.body.id },
      });
      const [delivery] = await deliveries(created.id);
      expect(delivery).toMatchObject({ status: "delivered", eventId: message.id });
      expect(delivery.attempts).toEqual([
        { at: expect.any(String), status: 200, durationMs: expect.any(Number) },
      ]);
      await api.delete(`/api/v1/webhooks/${created.id}`, { token: admin });
    } finally {
      await receiver.stop();
    }
  });

  test("When a receiver fails first, then the retry delivers, and every attempt is listed", async () => {
    const receiver = await startReceiver([503]);
    try {
      const created = await hook(receiver.url);
      const me = await customer();
      await order(me.token, (await product()).id);
      await waitFor(
        async () => (await deliveries(created.id))[0]?.status === "delivered",
        5000,
        "the retry",
      );
      const [delivery] = await deliveries(created.id);
      expect(delivery.attempts.map((a: { status: number }) => a.status)).toEqual([503, 200]);
      await api.delete(`/api/v1/webhooks/${created.id}`, { token: admin });
    } finally {
      await receiver.stop();
    }
  });

  test("When a receiver is dead, then the delivery is dead-lettered after the last attempt; a 4xx is final at once", async () => {
    const dead = await hook("http://127.0.0.1:9/nobody-home");
    const refusing = await startReceiver([410]);
    try {
      const gone = await hook(refusing.url);
      const me = await customer();
      await order(me.token, (await product()).id);
      await waitFor(
        async () => (await deliveries(dead.id))[0]?.status === "dead",
        8000,
        "the dead letter",
      );
      const [deadDelivery] = await deliveries(dead.id);
      expect(deadDelivery.attempts).toHaveLength(3);
      expect(deadDelivery.attempts[0]).toMatchObject({ error: "network error" });
      const deadOnly = await api.get(`/api/v1/webhooks/${dead.id}/deliveries?status=dead`, {
        token: admin,
      });
      expect(deadOnly.body.total).toBe(1);
      await waitFor(
        async () => (await deliveries(gone.id))[0]?.status === "failed",
        5000,
        "the 410",
      );
      expect((await deliveries(gone.id))[0].attempts).toHaveLength(1);
      await api.delete(`/api/v1/webhooks/${dead.id}`, { token: admin });
      await api.delete(`/api/v1/webhooks/${gone.id}`, { token: admin });
    } finally {
      await refusing.stop();
    }
  });

  test.each([
    ["a URL that is not one", { url: "not a url", events: ["orders.confirmed"] }],
    ["an ftp URL", { url: "ftp://example.com/x", events: ["orders.confirmed"] }],
    ["credentials in the URL", { url: "http://u:p@127.0.0.1/x", events: ["orders.confirmed"] }],
    ["an unknown event", { url: "http://127.0.0.1/x", events: ["orders.exploded"] }],
    ["no events", { url: "http://127.0.0.1/x", events: [] }],
    [
      "a short secret",
      { url: "http://127.0.0.1/x", events: ["orders.confirmed"], secret: "short" },
    ],
  ])("When a webhook has %s, then 422 and none is registered", async (_label, body) => {
    const before = (await api.get("/api/v1/webhooks", { token: admin })).body.total;
    const res = await api.post("/api/v1/webhooks", body, { token: admin });
    expect(res.status).toBe(422);
    expect((await api.get("/api/v1/webhooks", { token: admin })).body.total).toBe(before);
  });

  test("When a customer touches webhooks, then 403; an unknown webhook is 404", async () => {
    const me = await customer();
    expect((await api.get("/api/v1/webhooks", { token: me.token })).status).toBe(403);
    expect(
      (
        await api.post(
          "/api/v1/webhooks",
          { url: "http://x.y/", events: ["orders.confirmed"] },
          { token: me.token },
        )
      ).status,
    ).toBe(403);
    expect((await api.get("/api/v1/webhooks/nope/deliveries", { token: admin })).status).toBe(404);
    expect((await api.delete("/api/v1/webhooks/nope", { token: admin })).status).toBe(404);
  });
});

describe("abandoned carts", () => {
  test("When a cart is left alone, then one reminder per cart state leading back to the cart, none after an order, and the order is credited to the reminder clicked", async () => {
    const me = await customer();
    const p = await product();
    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 1 }, { token: me.token });
    const reminders = async () =>
      (await typesOf(me.token)).filter((t: string) => t === "cart_reminder").length;
    await waitFor(async () => (await reminders()) === 1, 10_000, "the reminder");
    await new Promise((r) => setTimeout(r, 3000));
    expect(await reminders()).toBe(1);
    const note = (await inbox(me.token)).rows.find(
      (n: { type: string }) => n.type === "cart_reminder",
    );
    expect(note.body).toContain(`1 × ${p.name}`);
    // The reminder leads back to the shop's cart, through Bazaar's click counter.
    const link = new URL(/Back to your cart: (\S+)/.exec(note.body)![1]);
    expect(link.pathname).toBe("/api/v1/click");
    const cartStats = async () =>
      (await api.get("/api/v1/engagement/journeys/jrn_cart_reminder/stats", { token: admin })).body;
    const before = await cartStats();
    const clicked = await api.get(`${link.pathname}${link.search}`);
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get("location")).toBe("https://shop.example/cart");
    await waitFor(
      async () => mailsTo(me.email).some((m) => m.subject === "Your cart is waiting"),
      5000,
      "mail",
    );

    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 2 }, { token: me.token });
    await waitFor(async () => (await reminders()) === 2, 10_000, "a reminder for the new cart");
    // Each reminder was a run of the built-in cart journey, one a cart state.
    const runs = async () =>
      (
        await api.get(`/api/v1/engagement/journeys/jrn_cart_reminder/runs?userId=${me.id}`, {
          token: admin,
        })
      ).body.rows.map((r: { status: string }) => r.status);
    await waitFor(
      async () => JSON.stringify(await runs()) === '["completed","completed"]',
      5000,
      "two runs, each ended",
    );

    const bought = await api.post(
      "/api/v1/orders",
      { fromCart: true, shippingAddress: ADDRESS, payment: { token: "tok_visa" } },
      { token: me.token },
    );
    expect(bought.status).toBe(201);
    // The order came within a day of the click: the cart journey is credited with it.
    await waitFor(
      async () => (await cartStats()).converted === before.converted + 1,
      10_000,
      "the order credited to the reminder",
    );
    const { currency, total } = bought.body as { currency: string; total: number };
    expect((await cartStats()).clicked).toBe(before.clicked + 1);
    expect((await cartStats()).revenue[currency]).toBe((before.revenue[currency] ?? 0) + total);
    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 1 }, { token: me.token });
    await new Promise((r) => setTimeout(r, 500));
    expect(await reminders()).toBe(2);
  }, 40_000);
});

describe("the preference centre", () => {
  test("When shoppers turn cart messages off, in the centre or by the link in a reminder, then they get none of what they turned off", async () => {
    const p = await product();
    const reminders = async (token: string) =>
      (await typesOf(token)).filter((t: string) => t === "cart_reminder").length;

    // One turns cart e-mails off in the centre: the inbox still tells them, the mailbox not.
    const quiet = await customer();
    const set = await api.request(
      "PUT",
      "/api/v1/me/preferences",
      { off: { cart: ["email"] } },
      { token: quiet.token },
    );
    expect(set.status).toBe(200);
    expect(set.body.off).toEqual({ cart: ["email"] });
    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 1 }, { token: quiet.token });

    // Another follows the link in their first reminder's e-mail.
    const leaver = await customer();
    await api.request(
      "PUT",
      `/api/v1/cart/items/${p.id}`,
      { quantity: 1 },
      { token: leaver.token },
    );
    await waitFor(async () => mailsTo(leaver.email).length >= 2, 10_000, "the reminder e-mail");
    const mail = mailsTo(leaver.email).find((m) => m.subject === "Your cart is waiting")!;
    const link = new URL(/No more of these: (\S+)/.exec(mail.text)![1]);
    expect(link.pathname).toBe("/api/v1/unsubscribe");
    const tampered = link.search.replace(/.(?=$)/, (c) => (c === "A" ? "B" : "A"));
    expect((await api.get(`${link.pathname}${tampered}`)).status).toBe(403);
    expect((await api.get(link.pathname)).status).toBe(422);
    const followed = await api.get(`${link.pathname}${link.search}`);
    expect(followed.status).toBe(200);
    expect(followed.body).toEqual({ category: "cart", channels: ["inbox", "email", "webhook"] });
    expect((await api.get(`${link.pathname}${link.search}`)).status).toBe(200);
    const centre = await api.get("/api/v1/me/preferences", { token: leaver.token });
    expect(centre.body.off).toEqual({ cart: ["inbox", "email", "webhook"] });

    await waitFor(async () => (await reminders(quiet.token)) === 1, 10_000, "the inbox reminder");
    expect(await reminders(leaver.token)).toBe(1);
    // A new cart state would be reminded again: not for the one who left.
    await api.request(
      "PUT",
      `/api/v1/cart/items/${p.id}`,
      { quantity: 2 },
      { token: leaver.token },
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await reminders(leaver.token)).toBe(1);
    expect(mailsTo(leaver.email).filter((m) => m.subject === "Your cart is waiting")).toHaveLength(
      1,
    );
    expect(mailsTo(quiet.email).filter((m) => m.subject === "Your cart is waiting")).toEqual([]);
  }, 40_000);

  test("When it is night where a shopper lives, then their reminder waits for morning, and the decision log says why", async () => {
    const sleeper = await customer();
    const zone = nightZone();
    const set = await api.request(
      "PUT",
      "/api/v1/me/preferences",
      { off: {}, timeZone: zone },
      { token: sleeper.token },
    );
    expect(set.body.timeZone).toBe(zone);
    const p = await product();
    await api.request(
      "PUT",
      `/api/v1/cart/items/${p.id}`,
      { quantity: 1 },
      { token: sleeper.token },
    );
    const log = () =>
      api.get(`/api/v1/engagement/decisions?userId=${sleeper.id}`, { token: admin });
    await waitFor(async () => (await log()).body.total === 2, 10_000, "the decisions");
    const rows = (await log()).body.rows;
    for (const row of rows)
      expect(row).toMatchObject({ verdict: "defer", reason: "quiet_hours", category: "cart" });
    const until = Date.parse(rows[0].until);
    expect(until).toBeGreaterThan(Date.now());
    expect(until - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect((await typesOf(sleeper.token)).filter((t: string) => t === "cart_reminder")).toEqual([]);
    expect((await log()).body.total).toBe(2);

    // A preference is a reason too, and customers may not read anyone's log.
    const quiet = await customer();
    await api.request(
      "PUT",
      "/api/v1/me/preferences",
      { off: { "*": ["inbox", "email"] } },
      {
        token: quiet.token,
      },
    );
    await api.request("PUT", `/api/v1/cart/items/${p.id}`, { quantity: 1 }, { token: quiet.token });
    const quietLog = () =>
      api.get(`/api/v1/engagement/decisions?userId=${quiet.id}`, { token: admin });
    await waitFor(async () => (await quietLog()).body.total === 2, 10_000, "the suppressions");
    expect((await quietLog()).body.rows.map((r: { reason: string }) => r.reason)).toEqual([
      "preference",
      "preference",
    ]);
    // The cart journey's stats count what its sends were held back by.
    const cartStats = await api.get("/api/v1/engagement/journeys/jrn_cart_reminder/stats", {
      token: admin,
    });
    expect(cartStats.body.suppressed.preference).toBeGreaterThanOrEqual(2);
    expect(
      (await api.get(`/api/v1/engagement/decisions?userId=${quiet.id}`, { token: quiet.token }))
        .status,
    ).toBe(403);
    expect(
      (
        await api.request(
          "PUT",
          "/api/v1/me/preferences",
          { off: {}, timeZone: "Mars/Olympus" },
          {
            token: quiet.token,
          },
        )
      ).status,
    ).toBe(422);
  }, 30_000);

  test("When preferences are bad or the caller is nobody, then 4xx and nothing changes", async () => {
    const me = await customer();
    for (const off of [
      { gossip: ["email"] },
      { cart: ["pigeon"] },
      { cart: ["email", "email"] },
      { cart: "email" },
      JSON.parse('{"__proto__": ["email"]}'),
    ]) {
      const res = await api.request("PUT", "/api/v1/me/preferences", { off }, { token: me.token });
      expect(res.status).toBe(422);
    }
    expect((await api.get("/api/v1/me/preferences", { token: me.token })).body).toEqual({
      off: {},
      categories: ["cart", "courses", "marketing"],
      channels: ["inbox", "email", "webhook"],
    });
    expect((await api.request("PUT", "/api/v1/me/preferences", { off: {} })).status).toBe(401);
    expect((await api.get("/api/v1/me/preferences")).status).toBe(401);
    expect((await api.get(`/api/v1/unsubscribe?token=${"x".repeat(600)}`)).status).toBe(422);
    expect((await api.get("/api/v1/unsubscribe?token=a.b")).status).toBe(403);
  });
});

describe("analytics", () => {
  const minute = (offsetMinutes: number) =>
    new Date(Math.floor(Date.now() / 60_000) * 60_000 + offsetMinutes * 60_000).toISOString();

  test("When a batch of events is posted, then 202 and they are counted in their windows", async () => {
    const me = await customer();
    const p = await product();
    const tag = `promo.clicked${process.pid}`.replace(/\d/g, "x");
    // Events without a time are counted in the minute they arrive: keep the post and the
    // lookups inside one minute, or a boundary between them moves the counts (seen in CI).
    const leftInMinute = 60_000 - (Date.now() % 60_000);
    if (leftInMinute < 10_000) await new Promise((r) => setTimeout(r, leftInMinute + 100));
    const current = minute(0);
    const twoAgo = minute(-2);
    const res = await api.post(
      "/api/v1/events",
      [
        { type: "page_view", sessionId: "s1" },
        { type: "product_view", productId: p.id },
        { type: "product_view", productId: p.id, ts: twoAgo },
        { type: tag, props: { campaign: "autumn" } },
      ],
      { token: me.token },
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 4 });
    const stats = async () =>
      (
        await api.get(`/api/v1/analytics/events?from=${minute(-5)}&to=${minute(1)}`, {
          token: admin,
        })
      ).body;
    // Each minute's window is its own write: wait for both, not the first to land.
    const counted = (windows: { windowStart: string; counts: Record<string, number> }[]) =>
      windows.some((w) => w.windowStart === current && tag in w.counts) &&
      windows.some((w) => w.windowStart === twoAgo && "product_view" in w.counts);
    await waitFor(async () => counted((await stats()).windows), 5000, "counts");
    const windows = (await stats()).windows;
    const now = windows.find((w: { windowStart: string }) => w.windowStart === current);
    const earlier = windows.find((w: { windowStart: string }) => w.windowStart === twoAgo);
    expect(now.counts).toMatchObject({ page_view: 1, product_view: 1, [tag]: 1 });
    expect(earlier.counts).toMatchObject({ product_view: 1 });
    const onlyViews = await api.get(
      `/api/v1/analytics/events?type=product_view&from=${minute(-5)}&to=${minute(1)}`,
      {
        token: admin,
      },
    );
    expect(
      onlyViews.body.windows.reduce((n: number, w: { count: number }) => n + w.count, 0),
    ).toBeGreaterThanOrEqual(2);
    const top = await api.get(`/api/v1/analytics/top-products?from=${minute(-5)}&to=${minute(1)}`, {
      token: admin,
    });
    expect(top.body.mostViewed).toContainEqual({ productId: p.id, views: 2 });
  });

  test("When an event is later than the allowed lateness, then it is dropped and counted as dropped", async () => {
    const me = await customer();
    const before = (await api.get("/api/v1/analytics/events", { token: admin })).body.droppedLate;
    await api.post("/api/v1/events", [{ type: "search", ts: minute(-30) }], { token: me.token });
    await waitFor(
      async () =>
        (await api.get("/api/v1/analytics/events", { token: admin })).body.droppedLate ===
        before + 1,
      5000,
      "the drop",
    );
  });

  test("When orders are confirmed and one is cancelled, then the order windows show them net", async () => {
    // Summed over two minutes, so a minute turning during the test changes nothing.
    const range = `from=${minute(0)}&to=${minute(2)}`;
    const totals = async () => {
      const { windows } = (await api.get(`/api/v1/analytics/orders?${range}`, { token: admin }))
        .body;
      return windows.reduce(
        (t: { orders: number; revenue: number }, w: { orders: number; revenue: number }) => ({
          orders: t.orders + w.orders,
          revenue: t.revenue + w.revenue,
        }),
        { orders: 0, revenue: 0 },
      );
    };
    const before = await totals();
    const me = await customer();
    const p = await product(50, 1000);
    const a = await order(me.token, p.id, 1);
    await order(me.token, p.id, 2);
    await api.post(`/api/v1/orders/${a.body.id}/cancel`, undefined, { token: me.token });
    await waitFor(
      async () => (await totals()).revenue - before.revenue === 2000,
      5000,
      "net revenue",
    );
    expect((await totals()).orders - before.orders).toBe(1);
    const { windows } = (await api.get(`/api/v1/analytics/orders?${range}`, { token: admin })).body;
    expect(windows.some((w: { uniqueUsers: number }) => w.uniqueUsers >= 1)).toBe(true);
    const top = await api.get(`/api/v1/analytics/top-products?${range}`, { token: admin });
    expect(top.body.mostSold).toContainEqual({ productId: p.id, quantity: 2 });
  });

  test("When the same batch message arrives twice, then it is counted once", async () => {
    const message = channelMessage("analytics.events", {
      events: [{ type: "checkout_started", ts: new Date().toISOString() }],
    });
    const count = async () =>
      (
        await api.get(
          `/api/v1/analytics/events?type=checkout_started&from=${minute(-1)}&to=${minute(1)}`,
          { token: admin },
        )
      ).body.windows.reduce((n: number, w: { count: number }) => n + w.count, 0);
    const before = await count();
    await system.broker.sendToChannel("analytics.events", message);
    await waitFor(async () => (await count()) === before + 1, 5000, "the count");
    await system.broker.sendToChannel("analytics.events", message);
    await new Promise((r) => setTimeout(r, 500));
    expect(await count()).toBe(before + 1);
  });

  test.each([
    ["an object instead of a list", 422, () => ({ type: "page_view" })],
    ["an empty list", 422, () => []],
    [
      "501 events",
      413,
      (probe: object) => [probe, ...Array.from({ length: 500 }, () => ({ type: "page_view" }))],
    ],
    ["a bad type", 422, (probe: object) => [probe, { type: "Not A Type" }]],
    ["an unknown field", 422, (probe: object) => [probe, { type: "page_view", price: 1 }]],
    [
      "a future time",
      422,
      (probe: object) => [probe, { type: "page_view", ts: "2999-01-01T00:00:00Z" }],
    ],
    ["a bad time", 422, (probe: object) => [probe, { type: "page_view", ts: "yesterday" }]],
  ])(
    "When /events gets %s, then %i and not even its good events are counted",
    async (_label, status, batch) => {
      const me = await customer();
      const type = `probe_${Math.random().toString(36).slice(2, 10)}`;
      const res = await api.post("/api/v1/events", batch({ type }), { token: me.token });
      expect(res.status).toBe(status);
      if (status === 422 && _label !== "an object instead of a list" && _label !== "an empty list")
        expect(res.body.data.map((p: { field: string }) => p.field)).toEqual([
          expect.stringMatching(/^\[1\]\./),
        ]);
      await new Promise((r) => setTimeout(r, 300));
      const seen = await api.get(
        `/api/v1/analytics/events?type=${type}&from=${minute(-1)}&to=${minute(1)}`,
        {
          token: admin,
        },
      );
      expect(seen.body.windows.every((w: { count: number }) => w.count === 0)).toBe(true);
    },
  );

  test("When an API key sends events, then it needs the events scope", async () => {
    const me = await customer();
    const readOnly = await api.post(
      "/api/v1/api-keys",
      { name: "r", scopes: ["read"] },
      { token: me.token },
    );
    const events = await api.post(
      "/api/v1/api-keys",
      { name: "e", scopes: ["events"] },
      { token: me.token },
    );
    const batch = [{ type: "page_view" }];
    expect((await api.post("/api/v1/events", batch, { apiKey: readOnly.body.key })).status).toBe(
      403,
    );
    expect((await api.post("/api/v1/events", batch, { apiKey: events.body.key })).status).toBe(202);
    expect((await api.post("/api/v1/events", batch)).status).toBe(401);
  });

  test("When a session or a customer's key names another user in an event, then 403 and that user is untouched; an admin's forward key may", async () => {
    const [a, c] = [await customer(), await customer()];
    const aKey = await api.post(
      "/api/v1/api-keys",
      { name: "e", scopes: ["events"] },
      { token: a.token },
    );
    const forC = [{ type: "cart_probe" }, { type: "product_view", userId: c.id }];
    for (const auth of [{ token: a.token }, { apiKey: aKey.body.key }, { token: admin }]) {
      const res = await api.post("/api/v1/events", forC, auth);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        type: "FORBIDDEN",
        message: expect.stringMatching(/^Event 1 names another user/),
      });
    }
    const forward = { name: "relay", scopes: ["events", "forward"] };
    const refused = await api.post("/api/v1/api-keys", forward, { token: a.token });
    expect(refused.status).toBe(422);
    expect(refused.body.data).toEqual([expect.objectContaining({ field: "scopes" })]);
    // A's own events, with or without naming A, are A's.
    const own = [{ type: "page_view" }, { type: "page_view", userId: a.id }];
    expect((await api.post("/api/v1/events", own, { apiKey: aKey.body.key })).status).toBe(202);
    const profileOf = (id: string) =>
      api.get(`/api/v1/engagement/profiles/${id}`, { token: admin });
    await waitFor(async () => (await profileOf(a.id)).status === 200, 5000, "A's profile");
    expect((await profileOf(c.id)).status).toBe(404);
    const relay = await api.post("/api/v1/api-keys", forward, { token: admin });
    expect(relay.status).toBe(201);
    expect((await api.post("/api/v1/events", forC, { apiKey: relay.body.key })).status).toBe(202);
    await waitFor(async () => (await profileOf(c.id)).status === 200, 5000, "C's profile");
  });

  test("When an anonymous visitor browses through a shop's forward key and then signs in, then what they viewed is in their profile and the anonymous one is gone", async () => {
    const relay = await api.post(
      "/api/v1/api-keys",
      { name: "storefront", scopes: ["events", "forward"] },
      { token: admin },
    );
    const p = await product();
    const anonymousId = `visitor-${process.pid}-${Date.now()}`;
    const views = [1, 2].map(() => ({ type: "product_view", productId: p.id, anonymousId }));
    expect((await api.post("/api/v1/events", views, { apiKey: relay.body.key })).status).toBe(202);
    const profileOf = (id: string) =>
      api.get(`/api/v1/engagement/profiles/${id}`, { token: admin });
    await waitFor(
      async () => (await profileOf(`anon_${anonymousId}`)).body.viewsLast7Days?.widgets === 2,
      5000,
      "the visitor's profile",
    );
    const me = await customer();
    const signIn = [{ type: "page_view", anonymousId }];
    expect((await api.post("/api/v1/events", signIn, { token: me.token })).status).toBe(202);
    await waitFor(
      async () => (await profileOf(me.id)).body.viewsLast7Days?.widgets === 2,
      5000,
      "the views in the user's profile",
    );
    expect((await profileOf(`anon_${anonymousId}`)).status).toBe(404);
    // A path, or an id short enough to guess another visitor's by, is refused.
    for (const anonymous of ["../../etc/passwd", "visitor1"]) {
      const hostile = [{ type: "page_view", anonymousId: anonymous }];
      expect((await api.post("/api/v1/events", hostile, { token: me.token })).status).toBe(422);
    }
  });

  test.each([
    ["a range over a day", `from=${new Date(Date.now() - 2 * 86_400_000).toISOString()}`],
    [
      "from after to",
      `from=${new Date(Date.now() + 3_600_000).toISOString()}&to=${new Date().toISOString()}`,
    ],
    ["a bad date", "from=last-tuesday"],
  ])("When analytics are asked for %s, then 422", async (_label, query) => {
    const res = await api.get(`/api/v1/analytics/orders?${query}`, { token: admin });
    expect(res.status).toBe(422);
  });

  test("When a customer asks for analytics, then 403", async () => {
    const me = await customer();
    for (const path of ["orders", "events", "top-products"])
      expect((await api.get(`/api/v1/analytics/${path}`, { token: me.token })).status).toBe(403);
  });
});

// After analytics: its tests count every event of the current minute.
describe("engagement profiles", () => {
  test("When a shopper browses, fills a cart and orders, then an admin reads it all in their profile", async () => {
    const me = await customer();
    const p = await product(10, 2500);
    const at = new Date().toISOString();
    const events = [
      { type: "product_view", productId: p.id, ts: at },
      { type: "product_view", productId: p.id, ts: at },
      { type: "product_view", productId: p.id, ts: at },
      { type: "add_to_cart", productId: p.id, ts: at },
    ];
    expect((await api.post("/api/v1/events", events, { token: me.token })).status).toBe(202);
    expect((await order(me.token, p.id, 2)).status).toBe(201);
    const profile = () => api.get(`/api/v1/engagement/profiles/${me.id}`, { token: admin });
    await waitFor(
      async () => (await profile()).body.purchases === 1 && (await profile()).body.cartAdds === 1,
      10_000,
      "the profile",
    );
    const read = (await profile()).body;
    expect(read).toMatchObject({
      id: me.id,
      sessions: 1,
      cartAdds: 1,
      purchases: 1,
      spent: { USD: 5000 },
      viewsLast7Days: { widgets: 3 },
      coursesInProgress: [],
    });
    expect(read.busiestHourOfWeek).toBe(
      ((new Date(at).getUTCDay() + 6) % 7) * 24 + new Date(at).getUTCHours(),
    );
    expect(read.recent).toBeUndefined();

    expect(
      (await api.get(`/api/v1/engagement/profiles/${me.id}`, { token: me.token })).status,
    ).toBe(403);
    expect(
      (await api.get("/api/v1/engagement/profiles/nobody-here", { token: admin })).status,
    ).toBe(404);
    expect((await api.get("/api/v1/engagement/profiles/__proto__", { token: admin })).status).toBe(
      422,
    );
    // One process keeps no channel history: nothing to rebuild from, and the profile stays.
    const rebuild = await api.post(
      `/api/v1/engagement/profiles/${me.id}/rebuild`,
      {},
      {
        token: admin,
      },
    );
    expect(rebuild.status).toBe(409);
    expect((await profile()).body.purchases).toBe(1);
  });
});

describe("engagement segments", () => {
  test("When a segment is defined, then shoppers enter it as they browse and leave it when they buy; bad rules are 422, naming the problem", async () => {
    const rule = {
      match: "all",
      conditions: [
        { trait: "views", category: "widgets", days: 7, op: "gte", value: 3 },
        { trait: "purchases", op: "eq", value: 0 },
      ],
    };
    const created = await api.post(
      "/api/v1/engagement/segments",
      { name: "Widget browsers", rule },
      { token: admin },
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const bad = await api.post(
      "/api/v1/engagement/segments",
      {
        name: "Broken",
        rule: { match: "all", conditions: [{ trait: "views", op: "gte", value: 3 }] },
      },
      { token: admin },
    );
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("rule.conditions[0].category");
    expect(
      (
        await api.request(
          "PATCH",
          `/api/v1/engagement/segments/${id}`,
          { rule: { match: "some" } },
          { token: admin },
        )
      ).status,
    ).toBe(422);
    expect(
      (await api.get(`/api/v1/engagement/segments/${id}`, { token: admin })).body.rule,
    ).toEqual(rule);

    const me = await customer();
    expect(
      (await api.post("/api/v1/engagement/segments", { name: "Mine", rule }, { token: me.token }))
        .status,
    ).toBe(403);
    const p = await product(10, 700);
    const members = async () =>
      (await api.get(`/api/v1/engagement/segments/${id}/members`, { token: admin })).body.rows.map(
        (m: { userId: string }) => m.userId,
      );
    // Entering and leaving are told on channels a webhook may follow (an ad audience, a CRM).
    const receiver = await startReceiver();
    const hook = await api.post(
      "/api/v1/webhooks",
      { url: receiver.url, events: ["engagement.segment_entered", "engagement.segment_left"] },
      { token: admin },
    );
    expect(hook.status).toBe(201);
    const views = [1, 2, 3].map(() => ({ type: "product_view", productId: p.id }));
    try {
      await api.post("/api/v1/events", views.slice(0, 2), { token: me.token });
      await api.post("/api/v1/events", views.slice(2), { token: me.token });
      await waitFor(async () => (await members()).includes(me.id), 10_000, "entering the segment");
      expect((await order(me.token, p.id)).status).toBe(201);
      await waitFor(async () => !(await members()).includes(me.id), 10_000, "leaving the segment");
      const told = () =>
        receiver.hits
          .map((hit) => JSON.parse(hit.body))
          .filter((event) => event.data.userId === me.id)
          .map((event) => `${event.type} ${event.data.segmentId}`);
      await waitFor(async () => told().length === 2, 10_000, "both moves told");
      expect(told()).toEqual([`engagement.segment_entered ${id}`, `engagement.segment_left ${id}`]);
    } finally {
      await api.delete(`/api/v1/webhooks/${hook.body.id}`, { token: admin });
      await receiver.stop();
    }

    const renamed = await api.request(
      "PATCH",
      `/api/v1/engagement/segments/${id}`,
      { name: "Widget window-shoppers" },
      { token: admin },
    );
    expect(renamed.body).toMatchObject({ name: "Widget window-shoppers", rule });
    expect(
      (await api.get("/api/v1/engagement/segments", { token: admin })).body.total,
    ).toBeGreaterThanOrEqual(1);
    expect(
      (await api.get("/api/v1/engagement/segments/seg_none/members", { token: admin })).status,
    ).toBe(404);
  }, 30_000);
});

describe("engagement journeys", () => {
  /** Journeys a test turned on: paused after it, so later tests' orders and events start none. */
  const turnedOn: string[] = [];
  afterEach(async () => {
    for (const id of turnedOn.splice(0))
      await api.request(
        "PATCH",
        `/api/v1/engagement/journeys/${id}`,
        { status: "paused" },
        { token: admin },
      );
  });
  async function activeJourney(definition: Record<string, unknown>): Promise<string> {
    const res = await api.post(
      "/api/v1/engagement/journeys",
      { reentry: "once", status: "active", ...definition },
      { token: admin },
    );
    expect(res.status).toBe(201);
    turnedOn.push(res.body.id);
    return res.body.id as string;
  }
  /** A template of inbox words only; answers its id. */
  async function inboxTemplate(title: string, body: string): Promise<string> {
    const res = await api.post(
      "/api/v1/engagement/templates",
      { name: title, defaultLocale: "en", locales: { en: { inbox: { title, body } } } },
      { token: admin },
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  const sendStep = (template: string, channels = ["inbox"]) => ({
    type: "send",
    template,
    category: "marketing",
    channels,
    fallback: false,
    priority: "normal",
  });
  const words = {
    en: {
      inbox: { title: "How is order {{ key }}?", body: "Tell us, {{ user.id }}." },
      email: {
        subject: "How is order {{ key }}?",
        body: "Tell us about your {{ event.total | money: event.currency }} order.",
      },
    },
  };

  test("When an order is confirmed, then its journey waits for that order's delivery and asks about it once, in the inbox and by e-mail", async () => {
    const template = await api.post(
      "/api/v1/engagement/templates",
      { name: "After delivery", defaultLocale: "en", locales: words },
      { token: admin },
    );
    expect(template.status).toBe(201);
    const id = await activeJourney({
      name: "Ask after delivery",
      trigger: { event: "orders.confirmed" },
      reentry: "perKey",
      steps: [
        {
          type: "waitFor",
          event: "orders.delivered",
          sameKey: true,
          timeoutMinutes: 60,
          onEvent: "next",
          onTimeout: "exit",
        },
        sendStep(template.body.id, ["inbox", "email"]),
      ],
    });
    const me = await customer();
    const p = await product();
    const first = (await order(me.token, p.id)).body.id as string;
    const second = (await order(me.token, p.id)).body.id as string;
    const runs = async () =>
      (await api.get(`/api/v1/engagement/journeys/${id}/runs?userId=${me.id}`, { token: admin }))
        .body.rows as { key: string; status: string; waitingFor?: string }[];
    await waitFor(
      async () => (await runs()).filter((r) => r.waitingFor === "orders.delivered").length === 2,
      10_000,
      "both orders waiting for delivery",
    );

    await api.post(`/api/v1/orders/${second}/ship`, undefined, { token: admin });
    await api.post(`/api/v1/orders/${second}/deliver`, undefined, { token: admin });
    const asked = async () =>
      (await inbox(me.token)).rows.filter((n: { type: string }) => n.type === template.body.id);
    await waitFor(async () => (await asked()).length === 1, 10_000, "the question");
    expect((await asked())[0].title).toBe(`How is order ${second}?`);
    await waitFor(
      async () => mailsTo(me.email).some((m) => m.subject.includes(second)),
      10_000,
      "the e-mail",
    );
    const mail = mailsTo(me.email).find((m) => m.subject.includes(second))!;
    expect(mail.text).toContain("Tell us about your $19.99 order.");
    expect(mail.text).toContain("/api/v1/unsubscribe?token=");
    // The first order is still waiting for its own delivery: another order's did not move it.
    expect((await runs()).find((r) => r.key === first)).toMatchObject({
      status: "active",
      waitingFor: "orders.delivered",
    });
    const stats = (await api.get(`/api/v1/engagement/journeys/${id}/stats`, { token: admin })).body;
    expect(stats).toMatchObject({ journeyId: id, entered: 2, active: 1, completed: 1 });
    const decisions = (
      await api.get(`/api/v1/engagement/decisions?userId=${me.id}`, { token: admin })
    ).body.rows as { channel: string; verdict: string }[];
    expect(decisions.map((d) => `${d.channel}:${d.verdict}`).sort()).toEqual([
      "email:send",
      "inbox:send",
    ]);
  }, 30_000);

  test("When a journey lets users in again after exit, then a trigger while they are in it starts nothing, and one after their run ended starts a new run", async () => {
    const tag = `came_back_${process.pid}`;
    const template = await inboxTemplate("Welcome back", "Good to see you.");
    const id = await activeJourney({
      name: "Welcome back after an order",
      trigger: { event: `event:${tag}` },
      reentry: "afterExit",
      steps: [
        {
          type: "waitFor",
          event: "orders.confirmed",
          sameKey: false,
          timeoutMinutes: 60,
          onEvent: "next",
          onTimeout: "exit",
        },
        sendStep(template),
      ],
    });
    const me = await customer();
    const p = await product();
    const runs = async () =>
      (await api.get(`/api/v1/engagement/journeys/${id}/runs?userId=${me.id}`, { token: admin }))
        .body.rows as { status: string; waitingFor?: string }[];
    const folded = async () => {
      const res = await api.get(`/api/v1/engagement/profiles/${me.id}`, { token: admin });
      return res.status === 200 ? (res.body.activeHours as number[]).reduce((a, b) => a + b) : 0;
    };
    const tell = () => api.post("/api/v1/events", [{ type: tag }], { token: me.token });

    await tell();
    await waitFor(async () => (await runs()).length === 1, 10_000, "the first run");
    // Told again while the run waits: the profile takes it, the journey starts nothing.
    await tell();
    await waitFor(async () => (await folded()) >= 2, 10_000, "the second event folded");
    await order(me.token, p.id);
    await waitFor(
      async () => (await typesOf(me.token)).includes(template),
      10_000,
      "the message after the order",
    );
    await waitFor(
      async () => (await runs()).every((r) => r.status === "completed"),
      10_000,
      "the first run ended",
    );
    expect(await runs()).toHaveLength(1);

    await tell();
    await waitFor(async () => (await runs()).length === 2, 10_000, "a second run");
    expect((await runs()).map((r) => r.status).sort()).toEqual(["active", "completed"]);
    const stats = (await api.get(`/api/v1/engagement/journeys/${id}/stats`, { token: admin })).body;
    expect(stats).toMatchObject({ entered: 2, active: 1, completed: 1 });
  }, 30_000);

  test("When a user enters a segment, leaves it and enters again, then its journey speaks to them once each time", async () => {
    const category = `reentry-${process.pid}`;
    const segment = await api.post(
      "/api/v1/engagement/segments",
      {
        name: "Looked, never bought",
        rule: {
          match: "all",
          conditions: [
            { trait: "views", category, days: 7, op: "gte", value: 1 },
            { trait: "purchases", op: "eq", value: 0 },
          ],
        },
      },
      { token: admin },
    );
    expect(segment.status).toBe(201);
    const template = await inboxTemplate("Still thinking?", "It is still here.");
    await activeJourney({
      name: "Looked, never bought",
      trigger: { segment: segment.body.id },
      reentry: "afterExit",
      steps: [sendStep(template)],
    });
    const me = await customer();
    const p = (
      await api.post(
        "/api/v1/products",
        { sku: `REENTRY-${process.pid}`, name: "Lamp", price: 500, category, stock: 5 },
        { token: admin },
      )
    ).body as { id: string };
    const spoken = async () =>
      (await typesOf(me.token)).filter((type: string) => type === template).length;

    await api.post("/api/v1/events", [{ type: "product_view", productId: p.id }], {
      token: me.token,
    });
    await waitFor(async () => (await spoken()) === 1, 10_000, "the first message");
    // An order takes them out of the segment; its cancellation puts them back: a new entry.
    const bought = await order(me.token, p.id);
    const members = async () =>
      (
        await api.get(`/api/v1/engagement/segments/${segment.body.id}/members`, { token: admin })
      ).body.rows.map((m: { userId: string }) => m.userId);
    await waitFor(async () => !(await members()).includes(me.id), 10_000, "leaving the segment");
    await api.post(`/api/v1/orders/${bought.body.id}/cancel`, undefined, { token: me.token });
    await waitFor(async () => (await spoken()) === 2, 10_000, "the message on entering again");
  }, 30_000);

  test("When a user clicks a tracked link and orders within the day, then the click leads on, and the message and its variant are credited once", async () => {
    const sale = "https://shop.example/sale?from=journey";
    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Sale",
        defaultLocale: "en",
        locales: { en: { inbox: { title: "Sale", body: `See {{ "${sale}" | track }}` } } },
        variants: [
          {
            name: "Urgent",
            locales: {
              en: { inbox: { title: "Sale ends", body: `Now: {{ "${sale}" | track }}` } },
            },
          },
        ],
      },
      { token: admin },
    );
    expect(template.status).toBe(201);
    const tid = template.body.id as string;
    const preview = await api.post(
      `/api/v1/engagement/templates/${tid}/preview`,
      { variant: 1 },
      { token: admin },
    );
    expect(preview.body.messages.inbox).toEqual({ title: "Sale ends", body: `Now: ${sale}` });
    const id = await activeJourney({
      name: "Sale",
      trigger: { event: "event:sale_seen" },
      steps: [sendStep(tid)],
    });
    const me = await customer();
    await api.post("/api/v1/events", [{ type: "sale_seen" }], { token: me.token });
    const note = async () =>
      (await inbox(me.token)).rows.find((n: { type: string }) => n.type === tid);
    await waitFor(async () => (await note()) !== undefined, 10_000, "the message");
    const link = new URL(/(http\S+\/api\/v1\/click\?token=\S+)/.exec((await note()).body)![1]);
    const clicked = await api.get(`${link.pathname}${link.search}`);
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get("location")).toBe(sale);
    // A second click leads on too, and is not a second click of the message.
    expect((await api.get(`${link.pathname}${link.search}`)).status).toBe(302);
    const forged = link.search.replace(/.(?=$)/, (c) => (c === "A" ? "B" : "A"));
    expect((await api.get(`${link.pathname}${forged}`)).status).toBe(404);
    expect((await api.get(`${link.pathname}?token=${"x".repeat(200)}`)).status).toBe(422);

    const bought = await order(me.token, (await product()).id);
    expect(bought.status).toBe(201);
    const stats = async () =>
      (await api.get(`/api/v1/engagement/journeys/${id}/stats`, { token: admin })).body;
    await waitFor(async () => (await stats()).converted === 1, 10_000, "the conversion");
    expect(await stats()).toMatchObject({
      sent: 1,
      clicked: 1,
      converted: 1,
      revenue: { [bought.body.currency]: bought.body.total },
    });
    expect((await stats()).bySend).toEqual([
      expect.objectContaining({ step: 0, sent: 1, clicked: 1, converted: 1 }),
    ]);
    const variants = (await api.get(`/api/v1/engagement/templates/${tid}/stats`, { token: admin }))
      .body.variants as { name: string; sent: number; clicked: number; converted: number }[];
    expect(variants.map((v) => v.name)).toEqual(["A", "Urgent"]);
    const credited = variants.find((v) => v.sent === 1)!;
    expect(credited).toMatchObject({ clicked: 1, converted: 1 });
    // Another order is not a second conversion of the same click.
    expect((await order(me.token, (await product()).id)).status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect((await stats()).converted).toBe(1);
  }, 30_000);

  test("When the shop's webhook takes messages and a send falls back in order, then the webhook gets it and the inbox does not", async () => {
    const receiver = await startReceiver();
    const hook = await api.post(
      "/api/v1/webhooks",
      { url: receiver.url, events: ["engagement.message"] },
      { token: admin },
    );
    expect(hook.status).toBe(201);
    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Text",
        defaultLocale: "en",
        locales: {
          en: {
            webhook: { body: "Your code ships today, {{ user.id }}." },
            inbox: { title: "Shipping", body: "Ships today." },
          },
        },
      },
      { token: admin },
    );
    const id = await activeJourney({
      name: "Text first",
      trigger: { event: "event:text_me" },
      steps: [{ ...sendStep(template.body.id, ["webhook", "inbox"]), fallback: true }],
    });
    try {
      const me = await customer();
      await api.post("/api/v1/events", [{ type: "text_me" }], { token: me.token });
      const texts = () =>
        receiver.hits.map((hit) => JSON.parse(hit.body)).filter((m) => m.data.userId === me.id);
      await waitFor(async () => texts().length === 1, 10_000, "the webhook's message");
      expect(texts()[0]).toMatchObject({
        type: "engagement.message",
        data: { type: template.body.id, body: `Your code ships today, ${me.id}.` },
      });
      const runs = async () =>
        (await api.get(`/api/v1/engagement/journeys/${id}/runs`, { token: admin })).body.rows.map(
          (r: { status: string }) => r.status,
        );
      await waitFor(async () => (await runs())[0] === "completed", 5000, "the run's end");
      expect((await typesOf(me.token)).filter((t: string) => t === template.body.id)).toEqual([]);
    } finally {
      await api.delete(`/api/v1/webhooks/${hook.body.id}`, { token: admin });
      await receiver.stop();
    }
  }, 30_000);

  test("When a user chose German in their preferences, then a journey writes to them in German, and to others in the default", async () => {
    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Welcome back",
        defaultLocale: "en",
        locales: {
          en: { inbox: { title: "Welcome back", body: "{{ 4200 | money: 'EUR' }} off" } },
          de: { inbox: { title: "Willkommen zurück", body: "{{ 4200 | money: 'EUR' }} Rabatt" } },
        },
      },
      { token: admin },
    );
    await activeJourney({
      name: "Welcome back",
      trigger: { event: "event:came_back" },
      steps: [sendStep(template.body.id)],
    });
    const german = await customer();
    const set = await api.request(
      "PUT",
      "/api/v1/me/preferences",
      { off: {}, locale: "de-AT" },
      { token: german.token },
    );
    expect(set.body.locale).toBe("de-AT");
    const other = await customer();
    for (const who of [german, other])
      await api.post("/api/v1/events", [{ type: "came_back" }], { token: who.token });
    const words = async (token: string) =>
      (await inbox(token)).rows.find((n: { type: string }) => n.type === template.body.id);
    await waitFor(async () => (await words(german.token)) !== undefined, 10_000, "German");
    await waitFor(async () => (await words(other.token)) !== undefined, 10_000, "English");
    expect(await words(german.token)).toMatchObject({
      title: "Willkommen zurück",
      body: "42,00\u00a0€ Rabatt",
    });
    expect(await words(other.token)).toMatchObject({ title: "Welcome back", body: "€42.00 off" });
    const bad = await api.request(
      "PUT",
      "/api/v1/me/preferences",
      { off: {}, locale: "../../etc" },
      { token: german.token },
    );
    expect(bad.status).toBe(422);
  }, 30_000);

  test("When journeys and templates are set up badly, then 4xx naming each problem, and nothing changes", async () => {
    const bad = await api.post(
      "/api/v1/engagement/journeys",
      {
        name: "Broken",
        trigger: { event: "orders.exploded" },
        reentry: "once",
        steps: [sendStep("tpl_none"), { type: "wait", minutes: -1 }],
      },
      { token: admin },
    );
    expect(bad.status).toBe(422);
    const fields = bad.body.data.map((p: { field: string }) => p.field);
    expect(fields).toEqual(["trigger.event", "steps[1].minutes"]);
    const unknownTemplate = await api.post(
      "/api/v1/engagement/journeys",
      {
        name: "No template",
        trigger: { segment: "seg_course_stalled" },
        reentry: "once",
        steps: [sendStep("tpl_none")],
      },
      { token: admin },
    );
    expect(unknownTemplate.status).toBe(422);
    expect(unknownTemplate.body.data[0].field).toBe("steps[0].template");

    const badTemplate = await api.post(
      "/api/v1/engagement/templates",
      { name: "x", defaultLocale: "en", locales: { en: { inbox: { body: "{% if %}" } } } },
      { token: admin },
    );
    expect(badTemplate.status).toBe(422);
    expect(badTemplate.body.data.map((p: { field: string }) => p.field)).toEqual([
      "locales.en.inbox.title",
      "locales.en.inbox.body",
    ]);

    const me = await customer();
    expect((await api.get("/api/v1/engagement/journeys", { token: me.token })).status).toBe(403);
    expect((await api.get("/api/v1/engagement/journeys/jrn_none", { token: admin })).status).toBe(
      404,
    );
    expect(
      (await api.get("/api/v1/engagement/journeys/__proto__/stats", { token: admin })).status,
    ).toBe(422);
  });

  test("When a template names the user's name and e-mail, then a preview fills them in for a real user, a sample without one, and 404 for an unknown one", async () => {
    const me = await customer();
    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Greeting",
        defaultLocale: "en",
        locales: { en: { inbox: { title: "Hi {{ user.name }}", body: "Mail: {{ user.email }}" } } },
      },
      { token: admin },
    );
    expect(template.status).toBe(201);
    const preview = (userId?: string) =>
      api.post(
        `/api/v1/engagement/templates/${template.body.id}/preview`,
        userId ? { userId } : {},
        { token: admin },
      );
    expect((await preview(me.id)).body.messages.inbox).toEqual({
      title: "Hi Nia",
      body: `Mail: ${me.email}`,
    });
    expect((await preview()).body.messages.inbox.title).toBe("Hi Sam Sample");
    const unknown = await preview("usr_nobody_at_all");
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe("NOT_FOUND");
    const include = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Reads a file",
        defaultLocale: "en",
        locales: { en: { inbox: { title: "t", body: '{% include "package.json" %}' } } },
      },
      { token: admin },
    );
    expect(include.status).toBe(422);
    expect(JSON.stringify(include.body)).not.toMatch(/dependencies/);
    expect(JSON.stringify(include.body)).not.toContain(process.cwd());
  });

  test("When a shop starts, then its seeded journeys wait paused, and a template previews for a sample or a real profile", async () => {
    const seeded = (
      await api.get("/api/v1/engagement/journeys/jrn_course_stalled", { token: admin })
    ).body;
    expect(seeded).toMatchObject({ status: "paused", trigger: { segment: "seg_course_stalled" } });
    // The abandoned-cart reminder is a journey among the others, on from the start.
    expect(
      (await api.get("/api/v1/engagement/journeys/jrn_cart_reminder", { token: admin })).body,
    ).toMatchObject({ status: "active", trigger: { event: "cart.abandoned" } });
    const preview = await api.post(
      "/api/v1/engagement/templates/course_stalled/preview",
      {},
      { token: admin },
    );
    expect(preview.status).toBe(200);
    expect(preview.body.messages.inbox.body).toContain("0 courses in progress");

    const template = await api.post(
      "/api/v1/engagement/templates",
      {
        name: "Needs a coupon",
        defaultLocale: "en",
        locales: { en: { inbox: { title: "{{ coupon }}", body: "x" } } },
      },
      { token: admin },
    );
    const missing = await api.post(
      `/api/v1/engagement/templates/${template.body.id}/preview`,
      {},
      { token: admin },
    );
    expect(missing.status).toBe(422);
    expect(missing.body.data[0].field).toBe("inbox.title");

    const changed = await api.request(
      "PATCH",
      "/api/v1/engagement/journeys/jrn_win_back",
      { steps: [{ type: "wait", minutes: 10 }] },
      { token: admin },
    );
    expect(changed.body.version).toBe(2);
    expect(
      (await api.get("/api/v1/engagement/journeys/jrn_win_back/stats", { token: admin })).body,
    ).toMatchObject({ version: 2, entered: 0 });
  });
});
