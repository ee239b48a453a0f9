import type { JourneyDefinition, JourneyStep, Reentry } from "../../contracts/engagement";
import {
  journeyEventsOf,
  journeyProblems,
  keptStep,
  runIdOf,
} from "../../services/engagement/journeys/journey-rules";
import {
  enterRun,
  fireDue,
  resumeWaiting,
  RUN_INDEXES,
  type JourneyVersion,
  type PlaceDoc,
  type RunDeps,
  type RunDoc,
  type SendOutcome,
} from "../../services/engagement/journeys/journey-runs";
import { emptyProfile, type Profile } from "../../services/engagement/profiles/profile-fold";
import { useTempSqlite } from "../harness/temp-store";

const send = (template = "tpl_1"): JourneyStep => ({
  type: "send",
  template,
  category: "marketing",
  channels: ["inbox"],
  fallback: false,
  priority: "normal",
});

const journey = (steps: JourneyStep[], reentry: Reentry = "once"): JourneyDefinition => ({
  name: "j",
  trigger: { event: "orders.confirmed" },
  reentry,
  steps,
});

describe("journey rules", () => {
  test("When a journey is well formed, then it has no problems", () => {
    expect(
      journeyProblems(
        journey([
          { type: "wait", minutes: 60 },
          {
            type: "waitFor",
            event: "orders.delivered",
            sameKey: true,
            timeoutMinutes: 14 * 24 * 60,
            onEvent: "next",
            onTimeout: "exit",
          },
          {
            type: "branch",
            rule: { match: "all", conditions: [{ trait: "purchases", op: "gte", value: 2 }] },
            otherwise: 4,
          },
          send(),
          { type: "exit" },
        ]),
      ),
    ).toEqual([]);
  });

  test("When a journey has several problems, then each is named by its place", () => {
    const problems = journeyProblems({
      name: "bad",
      trigger: { event: "orders.exploded" },
      reentry: "always" as never,
      steps: [
        { type: "wait", minutes: 0 },
        { type: "branch", rule: { match: "all", conditions: [] }, otherwise: 0 },
        { ...send("../etc"), channels: ["sms"] } as never,
        { type: "teleport" } as never,
      ],
    });
    expect(problems.map((p) => p.field)).toEqual([
      "trigger.event",
      "reentry",
      "steps[0].minutes",
      "steps[1].rule.conditions",
      "steps[1].otherwise",
      "steps[2].template",
      "steps[2].channels",
      "steps[3].type",
    ]);
  });

  test("When a step comes with fields it does not have, then only its own are kept", () => {
    const sent = { type: "wait", minutes: 5, note: "extra", nested: { deep: true } };
    expect(keptStep(sent as unknown as JourneyStep)).toEqual({ type: "wait", minutes: 5 });
  });

  test("When a send step names a category no store can keep as a key, then the journey is refused", () => {
    for (const category of ["constructor", "prototype"]) {
      const send = { type: "send", template: "tpl_1", category, channels: ["inbox"] };
      expect(journeyProblems(journey([send as unknown as JourneyStep]))).toEqual([
        expect.objectContaining({ field: "steps[0].category" }),
      ]);
    }
  });

  test("When a send step leaves out fallback and priority, then it is accepted as one channel at normal priority", () => {
    const send = { type: "send", template: "tpl_1", category: "news", channels: ["inbox"] };
    expect(journeyProblems(journey([send as unknown as JourneyStep]))).toEqual([]);
    expect(keptStep(send as unknown as JourneyStep)).toEqual({
      ...send,
      fallback: false,
      priority: "normal",
    });
  });

  test("When a step would lead back to itself, then the journey is refused: every run must end", () => {
    const loop = journey([
      {
        type: "waitFor",
        event: "event:page_view",
        sameKey: false,
        timeoutMinutes: 5,
        onEvent: 0,
        onTimeout: "exit",
      },
    ]);
    expect(journeyProblems(loop).map((p) => p.field)).toEqual(["steps[0].onEvent"]);
  });

  test("When messages arrive, then orders are keyed by order, behaviour by its key or product, and events without a user are not heard", () => {
    expect(
      journeyEventsOf("orders.shipped", {
        orderId: "ord_1",
        userId: "u1",
        total: 4200,
        currency: "EUR",
        items: [{ productId: "p1", name: "Lamp", quantity: 2, lineTotal: 4200 }],
      }),
    ).toEqual([
      {
        name: "orders.shipped",
        userId: "u1",
        key: "ord_1",
        // What a message may say of it, and nothing else (not the line's product or price).
        data: { total: 4200, currency: "EUR", items: [{ name: "Lamp", quantity: 2 }] },
      },
    ]);
    expect(journeyEventsOf("cart.abandoned", { userId: "u1", key: "u1_abc", items: [] })).toEqual([
      { name: "cart.abandoned", userId: "u1", key: "u1_abc", data: { items: [] } },
    ]);
    expect(
      journeyEventsOf("analytics.events", {
        events: [
          { type: "cart_add", userId: "u1", productId: "p1", props: { key: "cart-7" }, ts: "" },
          { type: "page_view", userId: "u2", productId: "p2", ts: "" },
          { type: "page_view", productId: "p3", ts: "" },
          { type: "page_view", userId: "../x", ts: "" },
        ],
      }),
    ).toEqual([
      { name: "event:cart_add", userId: "u1", key: "cart-7" },
      { name: "event:page_view", userId: "u2", key: "p2" },
    ]);
    expect(journeyEventsOf("payments.failed", { userId: "u1" })).toEqual([]);
  });

  test("When a user enters twice, then `once` makes the same run and `perKey` a run a key", () => {
    expect(runIdOf("j1", "once", "u1", "a")).toBe(runIdOf("j1", "once", "u1", "b"));
    expect(runIdOf("j1", "perKey", "u1", "a")).not.toBe(runIdOf("j1", "perKey", "u1", "b"));
    expect(runIdOf("j1", "once", "u1")).not.toBe(runIdOf("j2", "once", "u1"));
    // `afterExit`: an entry a run, and the same entry (a redelivery) the same run.
    expect(runIdOf("j1", "afterExit", "u1", "", "m1")).toBe(
      runIdOf("j1", "afterExit", "u1", "", "m1"),
    );
    expect(runIdOf("j1", "afterExit", "u1", "", "m1")).not.toBe(
      runIdOf("j1", "afterExit", "u1", "", "m2"),
    );
    expect(runIdOf("j1", "afterExit", "u1", "", "m1")).not.toBe(runIdOf("j1", "once", "u1"));
  });
});

describe("journey runs", () => {
  const temp = useTempSqlite("journeys");
  const t0 = new Date("2026-07-10T12:00:00Z").getTime();
  const MINUTE = 60_000;
  const LEASE_MS = 60_000;

  /** A node of the engine: its clock, the profiles it reads, and what it sent. */
  async function engine(steps: JourneyStep[], reentry: Reentry = "once") {
    const runs = await temp.store().repository<RunDoc>("journey_runs", RUN_INDEXES);
    const places = await temp.store().repository<PlaceDoc>("journey_places", []);
    const version: JourneyVersion = { journeyId: "j1", version: 1, ...journey(steps, reentry) };
    const clock = { now: t0 };
    const sent: string[] = [];
    const profiles = new Map<string, Profile>();
    let outcome: () => SendOutcome = () => ({ kind: "sent", channels: ["inbox"] });
    const deps: RunDeps = {
      runs,
      places,
      leaseMs: LEASE_MS,
      now: () => new Date(clock.now),
      versionOf: async (journeyId, v) => (journeyId === "j1" && v === 1 ? version : null),
      profileOf: async (userId) => profiles.get(userId) ?? null,
      send: async (run, _step, index) => {
        const result = outcome();
        if (result.kind === "sent") sent.push(`${run.userId}@${index}`);
        return result;
      },
    };
    const enter = (userId: string, key?: string, entry?: string) =>
      enterRun(deps, version, { userId, key, entry });
    const runOf = async (userId: string, key?: string, entry?: string) =>
      (await runs.findById(runIdOf("j1", reentry, userId, key, entry)))!;
    const sendsAs = (next: () => SendOutcome) => (outcome = next);
    return { deps, clock, sent, profiles, enter, runOf, sendsAs, runs, places };
  }

  test("When a journey lets users in again after exit, then one run at a time, a new one after it ends, and a redelivered trigger starts none", async () => {
    const e = await engine([{ type: "wait", minutes: 60 }, send()], "afterExit");
    expect(await e.enter("u1", undefined, "m1")).toBe(true);
    // While the first run waits, neither a new trigger nor its own redelivery starts another.
    expect(await e.enter("u1", undefined, "m2")).toBe(false);
    expect(await e.enter("u1", undefined, "m1")).toBe(false);
    expect(await e.enter("u2", undefined, "m2")).toBe(true);
    expect(await e.runs.count({ userId: "u1" })).toBe(1);
    await fireDue(e.deps);
    e.clock.now = t0 + 60 * MINUTE;
    await fireDue(e.deps);
    expect(await e.runOf("u1", undefined, "m1")).toMatchObject({ status: "completed" });
    // Ended: the user may enter again, once for this entry however often it is told.
    expect(await e.enter("u1", undefined, "m3")).toBe(true);
    expect(await e.enter("u1", undefined, "m3")).toBe(false);
    expect(await e.enter("u1", undefined, "m1")).toBe(false);
    await fireDue(e.deps);
    e.clock.now = t0 + 120 * MINUTE;
    await fireDue(e.deps);
    expect(e.sent.filter((s) => s.startsWith("u1@"))).toEqual(["u1@1", "u1@1"]);
    expect(await e.runs.count({ userId: "u1" })).toBe(2);
  });

  test("When two triggers let a user in at once, a node died between taking the place and writing the run, or a run began before re-entry was allowed, then one run at a time", async () => {
    const e = await engine([{ type: "wait", minutes: 60 }, send()], "afterExit");
    const both = await Promise.all([e.enter("u1", undefined, "a"), e.enter("u1", undefined, "b")]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await e.runs.count({ userId: "u1" })).toBe(1);
    // A place held for a run that was never written is free to the next entry.
    await e.places.insert({ id: runIdOf("j1", "once", "u2"), runId: "run_never_written" });
    expect(await e.enter("u2", undefined, "c")).toBe(true);
    expect(await e.runOf("u2", undefined, "c")).toMatchObject({ status: "active" });
    // A run from before the journey let users in again holds the user's place too.
    const before = await engine([{ type: "wait", minutes: 60 }, send()], "once");
    await before.enter("u3");
    expect(await e.enter("u3", undefined, "d")).toBe(false);
    expect(await e.runs.count({ userId: "u3" })).toBe(1);
  });

  test("When a user waits an hour, then nothing is sent before the hour and one message after", async () => {
    const e = await engine([{ type: "wait", minutes: 60 }, send()]);
    await e.enter("u1");
    await fireDue(e.deps);
    e.clock.now = t0 + 59 * MINUTE;
    expect(await fireDue(e.deps)).toBe(0);
    expect(e.sent).toEqual([]);
    e.clock.now = t0 + 60 * MINUTE;
    await fireDue(e.deps);
    expect(e.sent).toEqual(["u1@1"]);
    expect(await e.runOf("u1")).toMatchObject({ status: "completed" });
    expect((await e.runOf("u1")).wakeAt).toBeUndefined();
  });

  test("When a run waits for its own order's delivery, then another order's delivery does not move it and its own does", async () => {
    const e = await engine(
      [
        {
          type: "waitFor",
          event: "orders.delivered",
          sameKey: true,
          timeoutMinutes: 60,
          onEvent: "next",
          onTimeout: "exit",
        },
        send(),
      ],
      "perKey",
    );
    await e.enter("u1", "ord_a");
    await fireDue(e.deps);
    expect(await e.runOf("u1", "ord_a")).toMatchObject({ waitingFor: "orders.delivered" });

    expect(
      await resumeWaiting(e.deps, { name: "orders.delivered", userId: "u1", key: "ord_b" }),
    ).toBe(0);
    expect(
      await resumeWaiting(e.deps, { name: "orders.delivered", userId: "u2", key: "ord_a" }),
    ).toBe(0);
    expect(
      await resumeWaiting(e.deps, { name: "orders.delivered", userId: "u1", key: "ord_a" }),
    ).toBe(1);
    expect(e.sent).toEqual(["u1@1"]);
    expect(await e.runOf("u1", "ord_a")).toMatchObject({
      status: "completed",
    });
  });

  test("When the awaited event never comes, then the run takes its timeout path", async () => {
    const e = await engine([
      {
        type: "waitFor",
        event: "orders.delivered",
        sameKey: false,
        timeoutMinutes: 30,
        onEvent: "next",
        onTimeout: "exit",
      },
      send(),
    ]);
    await e.enter("u1");
    await fireDue(e.deps);
    e.clock.now = t0 + 31 * MINUTE;
    await fireDue(e.deps);
    expect(e.sent).toEqual([]);
    expect(await e.runOf("u1")).toMatchObject({
      status: "exited",
      outcome: "no orders.delivered",
    });
    // Too late: the run ended; the event moves nothing.
    expect(await resumeWaiting(e.deps, { name: "orders.delivered", userId: "u1" })).toBe(0);
  });

  test("When a branch's rule does not match the profile, then the run goes where `otherwise` says", async () => {
    const repeat = {
      match: "all" as const,
      conditions: [{ trait: "purchases" as const, op: "gte" as const, value: 2 }],
    };
    const e = await engine([
      { type: "branch", rule: repeat, otherwise: 2 },
      send("tpl_vip"),
      send(),
    ]);
    e.profiles.set("vip", { ...emptyProfile("vip"), purchases: 3 });
    e.profiles.set("new", { ...emptyProfile("new"), purchases: 1 });
    await e.enter("vip");
    await e.enter("new");
    await fireDue(e.deps);
    expect(e.sent.sort()).toEqual(["new@2", "vip@1", "vip@2"]);
  });

  test("When quiet hours defer a send, then the run waits at that step and sends once they end", async () => {
    const e = await engine([send()]);
    const until = new Date(t0 + 8 * 60 * MINUTE).toISOString();
    e.sendsAs(() => ({ kind: "deferred", until }));
    await e.enter("u1");
    await fireDue(e.deps);
    expect(await e.runOf("u1")).toMatchObject({ status: "active", step: 0, wakeAt: until });
    e.sendsAs(() => ({ kind: "sent", channels: ["inbox"] }));
    e.clock.now = t0 + 8 * 60 * MINUTE;
    await fireDue(e.deps);
    expect(e.sent).toEqual(["u1@0"]);
  });

  test("When a template cannot be filled in, then the run fails with the reason and sends nothing", async () => {
    const e = await engine([send(), send()]);
    e.sendsAs(() => ({ kind: "failed", reason: "inbox.title: undefined variable: coupon" }));
    await e.enter("u1");
    await fireDue(e.deps);
    expect(await e.runOf("u1")).toMatchObject({
      status: "failed",
      outcome: "inbox.title: undefined variable: coupon",
    });
  });

  test("When two nodes find the same due runs at once, then each run is taken by one and sent once", async () => {
    const e = await engine([send()]);
    for (let i = 0; i < 20; i++) await e.enter(`u${i}`);
    const moved = await Promise.all([fireDue(e.deps), fireDue(e.deps), fireDue(e.deps)]);
    expect(moved.reduce((a, b) => a + b, 0)).toBe(20);
    expect(e.sent.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `u${i}@0`).sort());
  });

  test("When the node running a step dies, then the run is taken up again once its lease runs out, not before", async () => {
    const e = await engine([send()]);
    await e.enter("u1");
    e.sendsAs(() => {
      throw new Error("node lost mid-send");
    });
    await expect(fireDue(e.deps)).rejects.toThrow("node lost mid-send");
    e.sendsAs(() => ({ kind: "sent", channels: ["inbox"] }));
    e.clock.now = t0 + LEASE_MS - 1;
    expect(await fireDue(e.deps)).toBe(0);
    e.clock.now = t0 + LEASE_MS;
    expect(await fireDue(e.deps)).toBe(1);
    expect(e.sent).toEqual(["u1@0"]);
  });

  test("When a trigger comes again, then `once` lets the user in once and `perKey` once a key", async () => {
    const once = await engine([send()]);
    expect(await once.enter("u1", "a")).toBe(true);
    expect(await once.enter("u1", "a")).toBe(false);
    expect(await once.enter("u1", "b")).toBe(false);
  });

  test("When a trigger comes for a new key, then a perKey journey starts a second run beside the first", async () => {
    const perKey = await engine([{ type: "wait", minutes: 5 }], "perKey");
    expect(await perKey.enter("u1", "a")).toBe(true);
    expect(await perKey.enter("u1", "a")).toBe(false);
    expect(await perKey.enter("u1", "b")).toBe(true);
  });
});
