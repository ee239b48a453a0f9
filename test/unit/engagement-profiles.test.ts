import { assertSafeValue } from "../../platform/data/repository";
import {
  busiestHour,
  emptyProfile,
  foldMessage,
  hourOfWeek,
  viewsIn,
  type Profile,
  type ProfileFact,
} from "../../services/engagement/profiles/profile-fold";
import {
  absorbAnonymous,
  factsOf,
  foldAll,
  foldInto,
  profileView,
} from "../../services/engagement/profiles/profiles";
import { useTempSqlite } from "../harness/temp-store";
import { Channel } from "../../contracts/channels";
import type { SegmentRule } from "../../contracts/engagement";
import { matches } from "../../services/engagement/segments/segment-rules";

const now = new Date("2026-07-10T12:00:00Z");
const view = (ts: string, productId = "p-lamp") => ({ type: "product_view", ts, productId });
const behaviour = (events: { type: string; ts: string; productId?: string }[]): ProfileFact => ({
  kind: "behaviour",
  events,
  categories: { "p-lamp": "lighting", "p-mug": "kitchen" },
});
const fold = (profile: Profile, id: string, ...facts: ProfileFact[]) =>
  foldMessage(profile, id, facts, now);

describe("a profile folded from what a user does", () => {
  test("When the same message comes twice, then it is folded once", () => {
    const once = fold(emptyProfile("u1"), "m1", behaviour([view("2026-07-10T10:00:00Z")]));
    expect(fold(once, "m1", behaviour([view("2026-07-10T10:00:00Z")]))).toBe(once);
    expect(viewsIn(once, "lighting", 7, now)).toBe(1);
    // A fold leaves the profile it was given as it was: the caller writes it under its version.
    const before = structuredClone(once);
    const twice = fold(once, "m2", behaviour([view("2026-07-10T11:00:00Z")]));
    expect(once).toEqual(before);
    expect(twice.recent).toHaveLength(2);
    expect(viewsIn(twice, "lighting", 7, now)).toBe(2);
  });

  test("When activity comes in visits, then visits are counted by 30 quiet minutes, whatever the order events arrive in", () => {
    let p = fold(emptyProfile("u1"), "m1", behaviour([view("2026-07-10T10:00:00Z")]));
    p = fold(p, "m2", behaviour([view("2026-07-10T10:20:00Z")]));
    expect(p.sessions).toBe(1);
    p = fold(p, "m3", behaviour([view("2026-07-10T11:00:00Z")]));
    expect(p.sessions).toBe(2);
    // A late event from the first visit is not a visit of its own.
    p = fold(p, "m4", behaviour([view("2026-07-10T10:05:00Z")]));
    expect(p.sessions).toBe(2);
    expect(p.firstSeenAt).toBe("2026-07-10T10:00:00Z");
    expect(p.lastSeenAt).toBe("2026-07-10T11:00:00Z");
  });

  test("When products are viewed, then views count by category and day, and old days fall away", () => {
    let p = fold(
      emptyProfile("u1"),
      "m1",
      behaviour([
        view("2026-07-10T10:00:00Z"),
        view("2026-07-09T10:00:00Z"),
        view("2026-07-01T10:00:00Z"),
        view("2026-05-01T10:00:00Z"),
        view("2026-07-10T10:01:00Z", "p-mug"),
        { type: "add_to_cart", ts: "2026-07-10T10:02:00Z", productId: "p-mug" },
        view("2026-07-10T10:03:00Z", "p-unknown"),
      ]),
    );
    expect(viewsIn(p, "lighting", 7, now)).toBe(2);
    expect(viewsIn(p, "lighting", 30, now)).toBe(3);
    expect(viewsIn(p, "kitchen", 7, now)).toBe(1);
    expect(p.cartAdds).toBe(1);
    expect(Object.keys(p.views.lighting)).not.toContain("2026-05-01");
    p = fold(p, "m2", behaviour([]));
    expect(profileView(p, now).viewsLast7Days).toEqual({ lighting: 2, kitchen: 1 });
  });

  test("When orders are confirmed and one is cancelled, then purchases and spend are net, by currency", () => {
    const at = "2026-07-10T09:00:00Z";
    let p = fold(emptyProfile("u1"), "o1", { kind: "purchase", total: 4200, currency: "EUR", at });
    p = fold(p, "o2", { kind: "purchase", total: 1000, currency: "USD", at });
    p = fold(p, "o3", { kind: "purchase", total: 800, currency: "EUR", at });
    p = fold(p, "o3-cancel", { kind: "purchase_undone", total: 800, currency: "EUR", at });
    expect(p.purchases).toBe(2);
    expect(p.spent).toEqual({ EUR: 4200, USD: 1000 });
    expect(p.lastPurchaseAt).toBe(at);
  });

  test("When lessons are completed, then the course is in progress with its last activity, until it is completed", () => {
    let p = fold(emptyProfile("u1"), "l1", {
      kind: "lesson",
      courseId: "c1",
      at: "2026-07-01T08:00:00Z",
    });
    p = fold(p, "l2", { kind: "lesson", courseId: "c1", at: "2026-07-03T08:00:00Z" });
    p = fold(p, "l3", { kind: "lesson", courseId: "c2", at: "2026-07-04T08:00:00Z" });
    expect(profileView(p, now).coursesInProgress).toEqual([
      {
        courseId: "c1",
        lessonsCompleted: 2,
        lastActivityAt: "2026-07-03T08:00:00Z",
        completed: false,
      },
      {
        courseId: "c2",
        lessonsCompleted: 1,
        lastActivityAt: "2026-07-04T08:00:00Z",
        completed: false,
      },
    ]);
    p = fold(p, "c1-done", {
      kind: "course_completed",
      courseId: "c1",
      at: "2026-07-05T08:00:00Z",
    });
    expect(profileView(p, now).coursesInProgress.map((c) => c.courseId)).toEqual(["c2"]);
  });

  test("When a course's live sessions end, then its learners' minutes and misses are folded, the latest deciding whether the last was missed", () => {
    const ended = (sessionId: string, endedAt: string, minutes: number, attended: boolean) =>
      factsOf(
        Channel.CLASSROOM_SESSION_ENDED,
        {
          sessionId,
          courseId: "c1",
          title: "Live",
          startsAt: endedAt,
          endedAt,
          endedBy: "instructor",
          attended: 1,
          enrolled: 2,
          part: 1,
          parts: 1,
          people: [
            { userId: "t1", role: "instructor", minutes: 60, attended: true },
            { userId: "u1", role: "learner", minutes, attended },
          ],
        },
        endedAt,
      );
    const missed: SegmentRule = {
      match: "all",
      conditions: [{ trait: "missedLastLiveSession", op: "gte", value: 1 }],
    };
    const first = ended("s1", "2026-07-01T10:00:00Z", 42, true);
    // The instructor teaches the course: no profile of theirs gains it.
    expect([...first.keys()]).toEqual(["u1"]);
    let p = fold(emptyProfile("u1"), "m1", ...first.get("u1")!);
    expect(matches(missed, p, now)).toBe(false);
    p = fold(p, "m2", ...ended("s2", "2026-07-08T10:00:00Z", 0, false).get("u1")!);
    expect(p.courses.c1).toMatchObject({
      liveMinutes: 42,
      liveSessionsMissed: 1,
      missedLastLiveSession: true,
      lastActivityAt: "2026-07-01T10:00:00Z",
    });
    expect(matches(missed, p, now)).toBe(true);
    // An older session told late changes the counts, not which session was the last.
    p = fold(p, "m3", ...ended("s0", "2026-06-20T10:00:00Z", 0, false).get("u1")!);
    expect(p.courses.c1).toMatchObject({ liveSessionsMissed: 2, missedLastLiveSession: true });
    expect(
      matches(
        { match: "all", conditions: [{ trait: "liveSessionsMissed", op: "gte", value: 2 }] },
        p,
        now,
      ),
    ).toBe(true);
    // Attending the next one takes the learner out of the segment.
    p = fold(p, "m4", ...ended("s3", "2026-07-09T10:00:00Z", 30, true).get("u1")!);
    expect(p.courses.c1).toMatchObject({ liveMinutes: 72, missedLastLiveSession: false });
    expect(matches(missed, p, now)).toBe(false);
  });

  test("When a user is active mostly on Monday mornings, then that is their busiest hour of the week", () => {
    expect(hourOfWeek("2026-07-06T09:30:00Z")).toBe(9); // a Monday
    expect(hourOfWeek("2026-07-12T23:00:00Z")).toBe(167); // a Sunday
    const p = fold(
      emptyProfile("u1"),
      "m1",
      behaviour([
        view("2026-07-06T09:00:00Z"),
        view("2026-07-06T09:10:00Z"),
        view("2026-07-08T20:00:00Z"),
      ]),
    );
    expect(busiestHour(p)).toBe(9);
    expect(busiestHour(emptyProfile("u2"))).toBeUndefined();
  });

  test("When categories or course ids are names objects inherit or stores refuse, then nothing outside the profile changes and the profile stays storable", () => {
    const hostile: ProfileFact = {
      kind: "behaviour",
      events: ["p1", "p2", "p3", "p4"].map((p) => view("2026-07-10T10:00:00Z", p)),
      categories: { p1: "__proto__", p2: "toString", p3: "constructor", p4: "$where" },
    };
    let p = fold(emptyProfile("u1"), "m1", hostile);
    p = fold(p, "m2", { kind: "lesson", courseId: "constructor", at: "2026-07-10T10:00:00Z" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Object.prototype.toString).toBe("function");
    expect(Object.keys(p.views)).toEqual(["toString"]);
    expect(viewsIn(p, "toString", 7, now)).toBe(1);
    expect(viewsIn(p, "hasOwnProperty", 7, now)).toBe(0);
    // The store takes it: a key it refuses would fail the message for every user in it.
    expect(() => assertSafeValue(p)).not.toThrow();
  });

  test("When messages are an hour old, then the profile forgets their ids, keeping it small", () => {
    let p = foldMessage(emptyProfile("u1"), "old", [], new Date("2026-07-10T10:00:00Z"));
    p = foldMessage(p, "new", [], new Date("2026-07-10T11:30:00Z"));
    expect(p.recent).toEqual([[expect.any(String), Date.parse("2026-07-10T11:30:00Z") / 1000]]);
    // "old" is forgotten, so it would count again; "new" is not.
    const later = new Date("2026-07-10T11:40:00Z");
    expect(foldMessage(p, "new", [], later)).toBe(p);
    expect(foldMessage(p, "old", [], later)).not.toBe(p);
  });

  test("When a profile holds recent messages as written before digests, then a redelivery of one is still folded once", () => {
    const written = { ...emptyProfile("u1"), recent: [{ id: "m1", at: "2026-07-10T11:55:00Z" }] };
    const p = written as unknown as Profile;
    expect(foldMessage(p, "m1", [behaviour([view("2026-07-10T11:55:00Z")])], now)).toBe(p);
    const next = foldMessage(p, "m2", [], now);
    expect(next.recent).toHaveLength(2);
    expect(foldMessage(next, "m1", [], now)).toBe(next);
  });

  test("When a batch holds events of several users, then each user gets their own, an anonymous visitor theirs, and events of nobody none", () => {
    const facts = factsOf(
      "analytics.events",
      {
        events: [
          { type: "page_view", ts: "2026-07-10T10:00:00Z", userId: "a" },
          { type: "page_view", ts: "2026-07-10T10:00:00Z", userId: "b" },
          { type: "page_view", ts: "2026-07-10T10:00:00Z", anonymousId: "visitor-123" },
          { type: "page_view", ts: "2026-07-10T10:00:00Z" },
        ],
      },
      "2026-07-10T10:00:01Z",
    );
    expect([...facts.keys()]).toEqual(["a", "b", "anon_visitor-123"]);
  });
});

describe("profiles in a store", () => {
  const temp = useTempSqlite("profiles");

  test("When an anonymous visitor signs in, then what they did is taken into the user's profile once, and their anonymous profile goes", async () => {
    const profiles = await temp.store().repository<Profile>("profiles", []);
    const visitor = "anon_visitor-123";
    await foldInto(profiles, visitor, "v1", [behaviour([view("2026-07-10T09:00:00Z")])], now);
    await foldInto(profiles, visitor, "v2", [behaviour([view("2026-07-10T09:05:00Z")])], now);
    await foldInto(profiles, "u1", "m1", [behaviour([view("2026-07-09T08:00:00Z", "p-mug")])], now);
    const signedIn = { userId: "u1", anonymousId: "visitor-123" };
    const merged = (await absorbAnonymous(profiles, signedIn, now))!;
    expect(viewsIn(merged, "lighting", 7, now)).toBe(2);
    expect(viewsIn(merged, "kitchen", 7, now)).toBe(1);
    expect(merged).toMatchObject({ sessions: 2, firstSeenAt: "2026-07-09T08:00:00Z" });
    expect(await profiles.findById(visitor)).toBeNull();
    // Signing in again (a redelivery, another tab) takes nothing twice.
    expect(await absorbAnonymous(profiles, signedIn, now)).toBeUndefined();
    expect(viewsIn((await profiles.findById("u1"))!, "lighting", 7, now)).toBe(2);
  });

  test("When a sign-in is folded again after the user's profile took the visitor in but before the visitor's profile went, then nothing is counted twice", async () => {
    const profiles = await temp.store().repository<Profile>("profiles", []);
    const visitor = "anon_visitor-456";
    await foldInto(profiles, visitor, "v1", [behaviour([view("2026-07-10T09:00:00Z")])], now);
    const anonymous = (await profiles.findById(visitor))!;
    // The node died after this write, before the delete.
    await foldInto(
      profiles,
      "u2",
      `absorb:${visitor}:${anonymous.version}`,
      [{ kind: "absorb", from: anonymous }],
      now,
    );
    await absorbAnonymous(profiles, { userId: "u2", anonymousId: "visitor-456" }, now);
    expect(viewsIn((await profiles.findById("u2"))!, "lighting", 7, now)).toBe(1);
    expect(await profiles.findById(visitor)).toBeNull();
  });

  test("When many messages about one user are folded at once, then each counts once, twins too", async () => {
    const profiles = await temp.store().repository<Profile>("profiles", []);
    const purchase = (): ProfileFact[] => [
      { kind: "purchase", total: 100, currency: "USD", at: "2026-07-10T09:00:00Z" },
    ];
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    await Promise.all(
      [...ids, ...ids.slice(0, 5)].map((id) => foldInto(profiles, "u1", id, purchase(), now)),
    );
    const stored = (await profiles.findById("u1"))!;
    expect(stored.purchases).toBe(20);
    expect(stored.spent).toEqual({ USD: 2000 });
  });
  test("When one message about many users meets a profile changed since it was read, then every user counts it once", async () => {
    const profiles = await temp.store().repository<Profile>("profiles", []);
    const purchase: ProfileFact[] = [
      { kind: "purchase", total: 100, currency: "USD", at: "2026-07-10T09:00:00Z" },
    ];
    await foldInto(profiles, "u1", "m0", purchase, now);
    await foldInto(profiles, "u2", "m0", purchase, now);
    const read = new Map((await profiles.find({})).map((p) => [p.id, p]));
    // Another node folds a message into u2 after the batch read it.
    await foldInto(profiles, "u2", "other", purchase, now);
    const facts = new Map(["u1", "u2", "u3"].map((userId) => [userId, purchase]));
    const written = await foldAll(profiles, [{ id: "m1", facts }], read, now);
    expect([...written.keys()].sort()).toEqual(["u1", "u2", "u3"]);
    expect((await profiles.findById("u1"))!.purchases).toBe(2);
    expect((await profiles.findById("u2"))!.purchases).toBe(3);
    expect((await profiles.findById("u3"))!.purchases).toBe(1);
    // The same message again (a redelivery) changes nobody.
    const again = new Map((await profiles.find({})).map((p) => [p.id, p]));
    expect((await foldAll(profiles, [{ id: "m1", facts }], again, now)).size).toBe(0);
    expect((await profiles.findById("u2"))!.purchases).toBe(3);
  });

  test("When messages that arrived together name a user each, then the user's profile takes each in order, once, in one write", async () => {
    const profiles = await temp.store().repository<Profile>("profiles", []);
    await foldInto(profiles, "u1", "m0", [], now);
    const at = (ts: string): ProfileFact[] => [behaviour([view(ts)])];
    const messages = [
      { id: "m1", facts: new Map([["u1", at("2026-07-10T09:00:00Z")]]) },
      {
        id: "m2",
        facts: new Map([
          ["u1", at("2026-07-10T11:00:00Z")],
          ["u2", at("2026-07-10T11:00:00Z")],
        ]),
      },
      // A redelivery of the first, in the same batch.
      { id: "m1", facts: new Map([["u1", at("2026-07-10T09:00:00Z")]]) },
    ];
    const read = new Map((await profiles.find({})).map((p) => [p.id, p]));
    const written = await foldAll(profiles, messages, read, now);
    const u1 = (await profiles.findById("u1"))!;
    expect(written.get("u1")).toEqual(u1);
    expect(viewsIn(u1, "lighting", 7, now)).toBe(2);
    expect(u1.sessions).toBe(2);
    expect(u1.version).toBe(3);
    expect(viewsIn((await profiles.findById("u2"))!, "lighting", 7, now)).toBe(1);
  });
});
