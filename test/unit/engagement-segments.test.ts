import type { SegmentRule } from "../../contracts/engagement";
import {
  emptyProfile,
  foldMessage,
  type Profile,
} from "../../services/engagement/profiles/profile-fold";
import { matches, ruleProblems } from "../../services/engagement/segments/segment-rules";
import { journeyProblems } from "../../services/engagement/journeys/journey-rules";
import {
  createSegment,
  MAX_SEGMENTS,
  MEMBER_INDEXES,
  reconcile,
  type MemberDoc,
  type SegmentDoc,
} from "../../services/engagement/segments/segments";
import { useTempSqlite } from "../harness/temp-store";
import { pendingEvents } from "../../platform/messaging/outbox";

const now = new Date("2026-07-10T12:00:00Z");
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY).toISOString();

/** Viewed lighting three times this week and bought nothing. */
const browsingLighting: SegmentRule = {
  match: "all",
  conditions: [
    { trait: "views", category: "lighting", days: 7, op: "gte", value: 3 },
    { trait: "purchases", op: "eq", value: 0 },
  ],
};
/** A course in progress with no lesson for five days. */
const stalled: SegmentRule = {
  match: "all",
  conditions: [{ trait: "stalledCourses", days: 5, op: "gte", value: 1 }],
};
/** Bought before, not in the last 30 days. */
const lapsed: SegmentRule = {
  match: "all",
  conditions: [
    { trait: "purchases", op: "gte", value: 1 },
    { trait: "daysSinceLastPurchase", op: "gte", value: 30 },
  ],
};

function viewer(views: number, bought = false): Profile {
  let p = emptyProfile("u1");
  const events = Array.from({ length: views }, (_, i) => ({
    type: "product_view",
    ts: daysAgo(i % 3),
    productId: "lamp",
  }));
  p = foldMessage(p, "m1", [{ kind: "behaviour", events, categories: { lamp: "lighting" } }], now);
  if (bought)
    p = foldMessage(
      p,
      "m2",
      [{ kind: "purchase", total: 1, currency: "USD", at: daysAgo(0) }],
      now,
    );
  return p;
}

describe("segment rules", () => {
  test("When a rule is a flood of unknown keys, then it is one problem about its size, whether a segment's or a journey branch's", () => {
    const flood = Object.fromEntries(
      Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1] as const),
    );
    const rule = {
      match: "all",
      conditions: [{ trait: "purchases", op: "gte", value: 1 }],
      ...flood,
    };
    expect(ruleProblems(rule)).toEqual([
      {
        field: "rule",
        message: expect.stringMatching(/bytes; a rule may have at most 8192/),
        type: "segmentRule",
      },
    ]);
    const journey = {
      name: "j",
      trigger: { kind: "event", event: "orders.confirmed" },
      steps: [{ type: "branch", rule, otherwise: "exit" }],
    } as unknown as Parameters<typeof journeyProblems>[0];
    expect(
      journeyProblems(journey).filter((p) => p.field.startsWith("steps[0].rule")),
    ).toHaveLength(1);
  });

  test("When a rule is well formed, then it has no problems; when not, then each problem is named by its place", () => {
    for (const rule of [browsingLighting, stalled, lapsed]) expect(ruleProblems(rule)).toEqual([]);
    const problems = ruleProblems({
      match: "most",
      conditions: [
        { trait: "views", op: "gte", value: 3 },
        { trait: "spent", op: "over", value: -1, currency: "usd" },
        { trait: "purchases", op: "eq", value: 0, category: "lighting" },
        { trait: "mood", op: "eq", value: 1 },
        { trait: "stalledCourses", op: "gte", value: 1, days: 999 },
      ],
      limit: 3,
    });
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      "rule.limit: is not a rule field",
      "rule.match: must be all or any",
      "rule.conditions[0].category: is required for views: 1 to 64 characters",
      "rule.conditions[0].days: is required for views: a whole number from 1 to 35",
      "rule.conditions[1].op: must be one of gte, lte, eq",
      "rule.conditions[1].value: must be a number from 0 to 10^12",
      "rule.conditions[1].currency: is required for spent: a currency code such as USD",
      "rule.conditions[2].category: is not used by purchases",
      expect.stringMatching(/^rule\.conditions\[3\]\.trait: must be one of views, purchases/),
      "rule.conditions[4].days: is required for stalledCourses: a whole number from 1 to 365",
    ]);
    expect(ruleProblems({ match: "all", conditions: [] })[0].field).toBe("rule.conditions");
    expect(ruleProblems("views > 3")[0].field).toBe("rule");
    const eleven = { match: "any", conditions: Array(11).fill(lapsed.conditions[0]) };
    expect(ruleProblems(eleven)[0].message).toBe("must hold 1 to 10 conditions");
  });

  test("When a shopper views a category enough and buys nothing, then they match; buying takes them out", () => {
    expect(matches(browsingLighting, viewer(2), now)).toBe(false);
    expect(matches(browsingLighting, viewer(3), now)).toBe(true);
    expect(matches(browsingLighting, viewer(3, true), now)).toBe(false);
    // The same views, a week later, are out of the window.
    expect(matches(browsingLighting, viewer(3), new Date(now.getTime() + 8 * DAY))).toBe(false);
  });

  test("When a course has had no lesson for five days, then the learner is stalled; a lesson brings them back", () => {
    let p = foldMessage(
      emptyProfile("u1"),
      "l1",
      [{ kind: "lesson", courseId: "c1", at: daysAgo(6) }],
      now,
    );
    expect(matches(stalled, p, now)).toBe(true);
    p = foldMessage(p, "l2", [{ kind: "lesson", courseId: "c1", at: daysAgo(1) }], now);
    expect(matches(stalled, p, now)).toBe(false);
    p = foldMessage(p, "done", [{ kind: "course_completed", courseId: "c1", at: daysAgo(1) }], now);
    expect(matches(stalled, p, new Date(now.getTime() + 30 * DAY))).toBe(false);
  });

  test("When a customer last bought over 30 days ago, then they have lapsed; one who never bought has not", () => {
    const bought = (at: string) =>
      foldMessage(
        emptyProfile("u1"),
        "o1",
        [{ kind: "purchase", total: 1, currency: "USD", at }],
        now,
      );
    expect(matches(lapsed, bought(daysAgo(31)), now)).toBe(true);
    expect(matches(lapsed, bought(daysAgo(29)), now)).toBe(false);
    expect(matches(lapsed, emptyProfile("u2"), now)).toBe(false);
    const any: SegmentRule = { match: "any", conditions: [...lapsed.conditions] };
    expect(matches(any, emptyProfile("u2"), now)).toBe(true); // never bought: long ago
  });
});

describe("segment membership in a store", () => {
  const temp = useTempSqlite("segments");
  const segment = (id: string, rule: SegmentRule): SegmentDoc => ({
    id,
    name: id,
    rule,
    createdAt: "",
    updatedAt: "",
  });

  test("When a profile comes to match, then the user enters once; when it stops, then they leave, and can come back", async () => {
    const members = await temp
      .store()
      .repository<MemberDoc>("segment_members", [{ fields: ["userId"] }]);
    const lighting = [segment("s1", browsingLighting)];
    expect(await reconcile(members, viewer(2), lighting, now)).toEqual({ entered: [], left: [] });
    expect(await reconcile(members, viewer(3), lighting, now)).toEqual({
      entered: ["s1"],
      left: [],
    });
    expect(await reconcile(members, viewer(4), lighting, now)).toEqual({ entered: [], left: [] });
    expect(await reconcile(members, viewer(4, true), lighting, now)).toEqual({
      entered: [],
      left: ["s1"],
    });
    expect(await members.findById("s1:u1")).toMatchObject({
      active: false,
      until: now.toISOString(),
    });
    expect(await reconcile(members, viewer(3), lighting, now)).toEqual({
      entered: ["s1"],
      left: [],
    });
    expect((await members.findById("s1:u1"))?.until).toBeUndefined();
  });

  test("When a user comes and goes, then each move is one event to tell, and events told are forgotten by the next move", async () => {
    const members = await temp.store().repository<MemberDoc>("segment_members", MEMBER_INDEXES);
    const lighting = [segment("s1", browsingLighting)];
    /** What the relay does once it published: marks every pending event sent. */
    const relay = async () => {
      const doc = (await members.findById("s1:u1"))!;
      for (const event of pendingEvents(doc))
        await members.updateOne(
          { id: doc.id },
          {
            $set: { [`outbox.${event.id}.sentAt`]: now.toISOString() },
            $inc: { outboxPending: -1 },
          },
        );
    };
    const told = async () =>
      Object.values((await members.findById("s1:u1"))?.outbox ?? {}).map(
        (e) => `${e.type}${e.sentAt ? " (sent)" : ""}`,
      );
    await reconcile(members, viewer(3), lighting, now);
    expect(await told()).toEqual(["engagement.segment_entered"]);
    await reconcile(members, viewer(3, true), lighting, now);
    // Not yet published: both wait, in order.
    expect(await told()).toEqual(["engagement.segment_entered", "engagement.segment_left"]);
    await relay();
    for (let i = 0; i < 5; i++) {
      await reconcile(members, viewer(3), lighting, now);
      await relay();
      await reconcile(members, viewer(3, true), lighting, now);
      await relay();
    }
    expect(await told()).toEqual(["engagement.segment_left (sent)"]);
    expect((await members.findById("s1:u1"))?.outboxPending).toBe(0);
  });

  test("When a shop holds the most segments it may, then one more is refused with 409 and a bad rule with 422, and neither is kept", async () => {
    const segments = await temp.store().repository<SegmentDoc>("segments", []);
    await expect(
      createSegment(segments, { name: "bad", rule: { match: "all", conditions: [] } }),
    ).rejects.toMatchObject({ code: 422 });
    for (let i = 0; i < MAX_SEGMENTS; i++)
      await createSegment(segments, { name: `s${i}`, rule: lapsed });
    await expect(createSegment(segments, { name: "one more", rule: lapsed })).rejects.toMatchObject(
      {
        code: 409,
      },
    );
    expect(await segments.count({})).toBe(MAX_SEGMENTS);
  });
});
