import {
  decide,
  decideAll,
  type Recipient,
  type SendPolicy,
} from "../../services/engagement/decisions/decisions";
import {
  clockMinutes,
  quietUntil,
  zoneOrDefault,
} from "../../services/engagement/decisions/quiet-hours";

const NIGHT = { start: "21:00", end: "08:00" };
const HOUR = 3_600_000;

describe("quiet hours in the user's own zone", () => {
  test.each([
    // A night in Berlin that loses an hour (summer time from 29 March 2026): 23:00 CET to 08:00 CEST.
    ["Europe/Berlin", "2026-03-28T22:00:00Z", "2026-03-29T06:00:00.000Z"],
    // A night that gains one (winter time from 25 October 2026): 00:00 CEST to 08:00 CET.
    ["Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T07:00:00.000Z"],
    // After midnight, the end is the same morning.
    ["Europe/Berlin", "2026-07-01T01:30:00Z", "2026-07-01T06:00:00.000Z"],
    // The same instant is night in Tokyo and afternoon in New York.
    ["Asia/Tokyo", "2026-07-01T13:00:00Z", "2026-07-01T23:00:00.000Z"],
    ["America/New_York", "2026-07-01T13:00:00Z", "never: it is not night there"],
    // A zone with a half-hour offset.
    ["Asia/Kolkata", "2026-07-01T16:00:00Z", "2026-07-02T02:30:00.000Z"],
  ])("When it is %s at %s, then a send waits until %s", (zone, at, until) => {
    const expected = until.startsWith("never") ? undefined : until;
    expect(quietUntil(new Date(at), zone, NIGHT)?.toISOString()).toBe(expected);
  });

  test("When quiet hours end in the hour a spring change skips, then the send waits until just past it", () => {
    // New York skips 02:00-03:00 on 8 March 2026; 02:30 does not exist that night.
    const until = quietUntil(new Date("2026-03-08T04:00:00Z"), "America/New_York", {
      start: "22:00",
      end: "02:30",
    });
    expect(until?.toISOString()).toBe("2026-03-08T07:30:00.000Z"); // 03:30 EDT
  });

  test("When the window does not cross midnight, then only its own hours are quiet", () => {
    const lunch = { start: "12:00", end: "14:00" };
    expect(quietUntil(new Date("2026-07-01T11:59:00Z"), "UTC", lunch)).toBeUndefined();
    expect(quietUntil(new Date("2026-07-01T12:00:00Z"), "UTC", lunch)?.toISOString()).toBe(
      "2026-07-01T14:00:00.000Z",
    );
    expect(quietUntil(new Date("2026-07-01T14:00:00Z"), "UTC", lunch)).toBeUndefined();
  });

  test("When a zone or a clock is not real, then the shop's zone is used and a bad window is none", () => {
    expect(zoneOrDefault("Mars/Olympus", "UTC")).toBe("UTC");
    expect(zoneOrDefault("../../etc/passwd", "UTC")).toBe("UTC");
    expect(zoneOrDefault("Europe/Lisbon", "UTC")).toBe("Europe/Lisbon");
    expect(clockMinutes("24:00")).toBeUndefined();
    expect(clockMinutes("7:00")).toBeUndefined();
    expect(clockMinutes("07:05")).toBe(425);
    expect(
      quietUntil(new Date("2026-07-01T23:00:00Z"), "UTC", { start: "25:00", end: "08:00" }),
    ).toBeUndefined();
  });
});

describe("a decision for one send", () => {
  const now = new Date("2026-07-01T12:00:00Z");
  const someone = (more: Partial<Recipient> = {}): Recipient => ({
    timeZone: "UTC",
    preferences: {},
    sent: [],
    ...more,
  });
  const sentAgo = (hours: number, more = {}) => ({
    at: new Date(now.getTime() - hours * HOUR).toISOString(),
    channel: "email" as const,
    category: "marketing",
    priority: "normal" as const,
    ...more,
  });
  const policy: SendPolicy = {
    caps: [
      { max: 3, perMs: 24 * HOUR },
      { max: 1, perMs: 24 * HOUR, channel: "webhook" },
      { max: 2, perMs: 7 * 24 * HOUR, category: "win-back" },
    ],
    quietHours: NIGHT,
  };
  const email = { channel: "email" as const, category: "marketing", priority: "normal" as const };

  test("When nothing stands in the way, then it is sent", () => {
    expect(decide(email, someone(), policy, now)).toEqual({ verdict: "send", reason: "allowed" });
  });

  test("When the caps across all journeys, per channel or per category are full, then it is suppressed and says which", () => {
    const three = [sentAgo(1), sentAgo(2, { channel: "inbox" }), sentAgo(23)];
    expect(decide(email, someone({ sent: three }), policy, now)).toMatchObject({
      verdict: "suppress",
      reason: "frequency_cap",
      detail: "3 per 24 h reached",
    });
    // A day later the oldest has left the window.
    expect(
      decide(email, someone({ sent: [sentAgo(1), sentAgo(2), sentAgo(25)] }), policy, now),
    ).toMatchObject({ verdict: "send" });
    const hook = { ...email, channel: "webhook" as const };
    expect(
      decide(hook, someone({ sent: [sentAgo(3, { channel: "webhook" })] }), policy, now),
    ).toMatchObject({ reason: "frequency_cap", detail: "1 per 24 h by webhook reached" });
    expect(
      decide(email, someone({ sent: [sentAgo(3, { channel: "webhook" })] }), policy, now),
    ).toMatchObject({ verdict: "send" });
    const winBack = { ...email, category: "win-back" };
    const twoThisWeek = [
      sentAgo(48, { category: "win-back" }),
      sentAgo(100, { category: "win-back" }),
    ];
    expect(decide(winBack, someone({ sent: twoThisWeek }), policy, now)).toMatchObject({
      reason: "frequency_cap",
      detail: "2 per 168 h in win-back reached",
    });
  });

  test("When the user turned a category or a whole channel off, then it is suppressed; other channels still go", () => {
    const offMarketingMail = someone({ preferences: { marketing: ["email"] } });
    expect(decide(email, offMarketingMail, policy, now)).toMatchObject({
      verdict: "suppress",
      reason: "preference",
      detail: "marketing by email is turned off",
    });
    expect(decide({ ...email, channel: "inbox" }, offMarketingMail, policy, now).verdict).toBe(
      "send",
    );
    const noMailAtAll = someone({ preferences: { "*": ["email"] } });
    expect(decide({ ...email, category: "orders" }, noMailAtAll, policy, now).verdict).toBe(
      "suppress",
    );
  });

  test("When the same dedupe key was used, then it is suppressed, even when critical", () => {
    const once = someone({ sent: [sentAgo(30, { dedupeKey: "cart:c1:reminder" })] });
    for (const priority of ["normal", "critical"] as const)
      expect(
        decide({ ...email, priority, dedupeKey: "cart:c1:reminder" }, once, policy, now),
      ).toMatchObject({ verdict: "suppress", reason: "duplicate" });
    expect(decide({ ...email, dedupeKey: "cart:c2:reminder" }, once, policy, now).verdict).toBe(
      "send",
    );
    // The same message on another channel is not a repeat.
    const inbox = { ...email, channel: "inbox" as const, dedupeKey: "cart:c1:reminder" };
    expect(decide(inbox, once, policy, now).verdict).toBe("send");
  });

  test("When it is night for the user, then it is deferred to their morning, never dropped", () => {
    const late = new Date("2026-07-01T22:30:00Z");
    expect(decide(email, someone({ timeZone: "Europe/London" }), policy, late)).toEqual({
      verdict: "defer",
      reason: "quiet_hours",
      until: "2026-07-02T07:00:00.000Z",
    });
    expect(decide(email, someone({ timeZone: "America/Los_Angeles" }), policy, late).verdict).toBe(
      "send",
    );
  });

  test("When a message is critical, then caps, preferences and quiet hours do not hold it, and it does not use up a cap", () => {
    const critical = { ...email, category: "security", priority: "critical" as const };
    const blocked = someone({
      preferences: { "*": ["email"] },
      sent: [sentAgo(1), sentAgo(2), sentAgo(3)],
    });
    expect(decide(critical, blocked, policy, new Date("2026-07-01T23:00:00Z"))).toEqual({
      verdict: "send",
      reason: "critical",
    });
    const afterCriticals = someone({
      sent: [1, 2, 3].map((h) => sentAgo(h, { priority: "critical" })),
    });
    expect(decide(email, afterCriticals, policy, now).verdict).toBe("send");
  });
});

describe("priority among sends for one user", () => {
  const now = new Date("2026-07-01T12:00:00Z");
  const policy: SendPolicy = { caps: [{ max: 1, perMs: 24 * HOUR }] };
  const recipient: Recipient = { timeZone: "UTC", preferences: {}, sent: [] };

  test("When the cap has room for one, then the more important takes it, whatever the order they came in", () => {
    const reminder = { channel: "inbox" as const, category: "cart", priority: "low" as const };
    const problem = { channel: "inbox" as const, category: "orders", priority: "high" as const };
    expect(decideAll([reminder, problem], recipient, policy, now).map((d) => d.verdict)).toEqual([
      "suppress",
      "send",
    ]);
    expect(decideAll([problem, reminder], recipient, policy, now).map((d) => d.verdict)).toEqual([
      "send",
      "suppress",
    ]);
  });

  test("When equals compete, then the first come is first served", () => {
    const a = { channel: "inbox" as const, category: "a", priority: "normal" as const };
    const b = { ...a, category: "b" };
    expect(decideAll([a, b], recipient, policy, now).map((d) => d.verdict)).toEqual([
      "send",
      "suppress",
    ]);
  });
});
