import { renderMessage } from "../../services/engagement/content/content";
import {
  attributeOrder,
  journeyOutcomes,
  MESSAGE_INDEXES,
  recordClick,
  recordMessage,
  variantShares,
  type CounterDoc,
  type MessageDoc,
  type MessageStores,
} from "../../services/engagement/journeys/message-log";
import { linkToken, readLinkToken } from "../../services/engagement/content/tracked-links";
import { useTempSqlite } from "../harness/temp-store";

const SECRET = "a-shop-secret-of-enough-length-0123456789";
const HOUR = 3_600_000;
const t0 = new Date("2026-07-10T12:00:00Z");
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

describe("tracked links", () => {
  test("When a link is made, then it reads back to its message and link, and any change to it does not", () => {
    const token = linkToken(SECRET, "run_abc_1", 3);
    expect(readLinkToken(SECRET, token)).toEqual({ messageId: "run_abc_1", index: 3 });
    expect(readLinkToken("another-secret-of-enough-length-0123", token)).toBeUndefined();
    expect(readLinkToken(SECRET, token.replace("_1.3.", "_2.3."))).toBeUndefined();
    expect(readLinkToken(SECRET, token.replace(".3.", ".4."))).toBeUndefined();
    expect(readLinkToken(SECRET, `${"x".repeat(200)}.1.${"a".repeat(43)}`)).toBeUndefined();
    expect(readLinkToken(SECRET, 42)).toBeUndefined();
  });

  test("When a template tracks a link, then the message carries the tracked one; a link that is not http(s) is refused", async () => {
    const tracked: string[] = [];
    const rendered = await renderMessage(
      { title: "Sale", body: `{{ "https://shop.example/a" | track }} and {{ url | track }}` },
      "inbox",
      "en",
      { url: "https://shop.example/b" },
      (url) => `T${tracked.push(url)}`,
    );
    expect(rendered.body).toBe("T1 and T2");
    expect(tracked).toEqual(["https://shop.example/a", "https://shop.example/b"]);
    await expect(
      renderMessage({ title: "x", body: "{{ url | track }}" }, "inbox", "en", {
        url: "javascript:alert(1)",
      }),
    ).rejects.toMatchObject({ problems: [{ field: "body" }] });
  });
});

describe("attribution", () => {
  const temp = useTempSqlite("attribution");
  async function stores(): Promise<MessageStores> {
    return {
      messages: await temp.store().repository<MessageDoc>("messages", MESSAGE_INDEXES),
      counters: await temp.store().repository<CounterDoc>("counters", []),
    };
  }
  const message = (id: string, variant = 0): MessageDoc => ({
    id,
    userId: "u1",
    journeyId: "j1",
    templateId: "t1",
    step: 1,
    variant,
    channels: ["inbox"],
    links: ["https://shop.example/sale"],
    sentAt: t0.toISOString(),
  });

  test("When a message is clicked and its reader orders within a day, then it converts once, and its variant is credited", async () => {
    const s = await stores();
    await recordMessage(s, message("m1", 1));
    await recordMessage(s, message("m1", 1));
    expect(await recordClick(s, "m1", 0, at(1))).toBe("https://shop.example/sale");
    expect(await recordClick(s, "m1", 0, at(2))).toBe("https://shop.example/sale");
    expect(await recordClick(s, "m1", 5, at(2))).toBeUndefined();
    expect(await recordClick(s, "m9", 0, at(2))).toBeUndefined();
    expect(
      (
        await attributeOrder(
          s,
          { userId: "u1", orderId: "o1", total: 4200, currency: "EUR" },
          at(20),
        )
      )?.id,
    ).toBe("m1");
    expect(
      await attributeOrder(
        s,
        { userId: "u1", orderId: "o2", total: 4200, currency: "EUR" },
        at(21),
      ),
    ).toBeUndefined();
    expect(await s.counters.findById("template_t1")).toMatchObject({
      sent: { b: 1 },
      clicked: { b: 1 },
      converted: { b: 1 },
    });
    expect(await journeyOutcomes(s.counters, "j1")).toEqual({
      sent: 1,
      clicked: 1,
      converted: 1,
      bySend: [{ step: 1, variant: "B", sent: 1, clicked: 1, converted: 1 }],
      suppressed: {},
      revenue: { EUR: 4200 },
    });
  });

  test("When an order comes more than a day after the click, or with no click, then no message is credited", async () => {
    const s = await stores();
    await recordMessage(s, message("m1"));
    expect(
      await attributeOrder(s, { userId: "u1", orderId: "o1", total: 4200, currency: "EUR" }, at(1)),
    ).toBeUndefined();
    await recordClick(s, "m1", 0, at(1));
    expect(
      await attributeOrder(
        s,
        { userId: "u1", orderId: "o1", total: 4200, currency: "EUR" },
        at(26),
      ),
    ).toBeUndefined();
    expect(
      await attributeOrder(s, { userId: "u2", orderId: "o1", total: 4200, currency: "EUR" }, at(2)),
    ).toBeUndefined();
  });

  test("When one variant sells and the other does not, then the seller gets most users and the other keeps a share", () => {
    const counter: CounterDoc = {
      id: "template_t1",
      sent: { a: 400, b: 400 },
      clicked: { a: 20, b: 60 },
      converted: { a: 2, b: 30 },
    };
    const [a, b] = variantShares(counter, 2);
    expect(b).toBeGreaterThan(0.9);
    expect(a).toBeGreaterThanOrEqual(0.04);
    expect(variantShares(null, 1)).toEqual([1]);
  });
});
