import jwt from "jsonwebtoken";
import {
  LINK_LIFETIME_MS,
  readUnsubscribeToken,
  unsubscribeToken,
} from "../../services/engagement/decisions/unsubscribe-link";

const SECRET = "s".repeat(40);
const now = new Date("2026-07-01T12:00:00Z");

describe("one-click unsubscribe links", () => {
  test("When a link we signed comes back, then it says whom, which category and which channel", () => {
    const token = unsubscribeToken(
      SECRET,
      { userId: "u-1", category: "marketing", channel: "email" },
      now,
    );
    expect(readUnsubscribeToken(SECRET, token, now)).toEqual({
      userId: "u-1",
      category: "marketing",
      channel: "email",
    });
    const all = unsubscribeToken(SECRET, { userId: "u-1", category: "*" }, now);
    expect(readUnsubscribeToken(SECRET, all, now)).toEqual({ userId: "u-1", category: "*" });
  });

  test("When a link is changed, signed with another secret, or is a session token, then it is refused", () => {
    const token = unsubscribeToken(SECRET, { userId: "u-1", category: "marketing" }, now);
    const [payload, signature] = token.split(".");
    const someoneElse = Buffer.from(
      JSON.stringify({ u: "u-2", c: "marketing", iat: now.getTime() }),
    ).toString("base64url");
    expect(readUnsubscribeToken(SECRET, `${someoneElse}.${signature}`, now)).toBeUndefined();
    const flipped = signature.replace(/^./, (c) => (c === "A" ? "B" : "A"));
    expect(readUnsubscribeToken(SECRET, `${payload}.${flipped}`, now)).toBeUndefined();
    expect(readUnsubscribeToken("t".repeat(40), token, now)).toBeUndefined();
    const session = jwt.sign({ sub: "u-1" }, SECRET);
    expect(readUnsubscribeToken(SECRET, session, now)).toBeUndefined();
  });

  test("When a link is too old, from the future, or not a token at all, then it is refused", () => {
    const old = unsubscribeToken(SECRET, { userId: "u-1", category: "marketing" }, now);
    const later = new Date(now.getTime() + LINK_LIFETIME_MS + 1);
    expect(readUnsubscribeToken(SECRET, old, later)).toBeUndefined();
    expect(
      readUnsubscribeToken(SECRET, old, new Date(now.getTime() + LINK_LIFETIME_MS)),
    ).toBeDefined();
    expect(readUnsubscribeToken(SECRET, old, new Date(now.getTime() - 3_600_000))).toBeUndefined();
    for (const bad of [
      undefined,
      42,
      "",
      "a.b",
      "x".repeat(10_000),
      `${"a".repeat(600)}.${"b".repeat(43)}`,
    ])
      expect(readUnsubscribeToken(SECRET, bad, now)).toBeUndefined();
  });

  test("When a signed link carries a bad user id or category, then it is refused", () => {
    for (const what of [
      { userId: "__proto__", category: "marketing" },
      { userId: "u-1", category: "../admin" },
      { userId: "u-1", category: "Marketing" },
      // A name no store keeps as a key: turning it off could never be written.
      { userId: "u-1", category: "constructor" },
      { userId: "u-1", category: "prototype" },
    ])
      expect(
        readUnsubscribeToken(SECRET, unsubscribeToken(SECRET, what, now), now),
      ).toBeUndefined();
  });
});
