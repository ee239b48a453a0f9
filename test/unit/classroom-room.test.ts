import type { Participant } from "../../contracts/classroom";
import { parseFrame, MAX_FRAME_BYTES } from "../../services/classroom/protocol";
import { Room } from "../../services/classroom/room";

const teacher: Participant = { userId: "t1", name: "Teacher", role: "instructor" };
const ann: Participant = { userId: "a1", name: "Ann", role: "learner" };
const bob: Participant = { userId: "b1", name: "Bob", role: "learner" };

function room(clock = { now: 0 }) {
  const r = new Room(
    { buffer: 5, chatPerWindow: 2, messagesPerWindow: 6, chatWindowMs: 1000 },
    () => clock.now,
  );
  r.admit(teacher);
  r.admit(ann);
  r.admit(bob);
  return r;
}
const events = (outcome: ReturnType<Room["handle"]>) =>
  "events" in outcome ? outcome.events : outcome;

describe("A live session's room", () => {
  test("Every event gets the next sequence number, in the one place that tells them", () => {
    const r = room();
    const said = events(r.handle("a1", { type: "chat", text: "hi" }));
    expect(said).toEqual([
      expect.objectContaining({ type: "chat", from: "a1", text: "hi", seq: 4 }),
    ]);
    expect(events(r.handle("b1", { type: "hand", raised: true }))).toEqual([
      expect.objectContaining({ type: "hand", userId: "b1", raised: true, seq: 5 }),
    ]);
    // Raising a raised hand tells nothing.
    expect(events(r.handle("b1", { type: "hand", raised: true }))).toEqual([]);
    expect(r.snapshot()).toMatchObject({ seq: 5, hands: ["b1"], ended: false });
  });

  test("A second connection of one participant joins silently, and only the last one leaving is told", () => {
    const r = room();
    expect(events(r.admit(ann))).toEqual([]);
    expect(events(r.leave("a1"))).toEqual([]);
    expect(events(r.leave("a1"))).toEqual([
      expect.objectContaining({ type: "left", userId: "a1" }),
    ]);
    expect(r.size).toBe(2);
  });

  test("A poll: the instructor opens it, each learner answers once, counts are told live, and it closes", () => {
    const r = room();
    const [opened] = events(
      r.handle("t1", { type: "poll_open", question: "Largest?", options: ["Jupiter", "Mars"] }),
    ) as any[];
    const pollId = opened.poll.id;
    expect(events(r.handle("a1", { type: "poll_answer", pollId, option: 0 }))).toEqual([
      expect.objectContaining({ poll: expect.objectContaining({ counts: [1, 0] }) }),
    ]);
    expect(r.handle("a1", { type: "poll_answer", pollId, option: 1 })).toMatchObject({
      error: "invalid",
    });
    expect(r.handle("b1", { type: "poll_answer", pollId, option: 7 })).toMatchObject({
      error: "invalid",
    });
    expect(r.handle("b1", { type: "poll_close", pollId })).toMatchObject({
      error: "instructor_only",
    });
    expect(events(r.handle("t1", { type: "poll_close", pollId }))).toEqual([
      expect.objectContaining({ poll: expect.objectContaining({ closed: true, counts: [1, 0] }) }),
    ]);
    expect(r.handle("b1", { type: "poll_answer", pollId, option: 1 })).toMatchObject({
      error: "invalid",
    });
  });

  test("Moderation is the instructor's: a muted learner cannot chat, a removed one cannot come back, and the end ends it", () => {
    const r = room();
    expect(r.handle("a1", { type: "mute", userId: "b1", muted: true })).toMatchObject({
      error: "instructor_only",
    });
    r.handle("t1", { type: "mute", userId: "b1", muted: true });
    expect(r.handle("b1", { type: "chat", text: "x" })).toMatchObject({ error: "muted" });
    r.handle("t1", { type: "remove", userId: "a1" });
    expect(r.isRemoved("a1")).toBe(true);
    expect(r.admit(ann)).toMatchObject({ error: "instructor_only" });
    expect(events(r.handle("t1", { type: "end" }))).toEqual([
      expect.objectContaining({ type: "ended" }),
    ]);
    expect(r.handle("t1", { type: "chat", text: "still here?" })).toMatchObject({
      error: "not_joined",
    });
    expect(r.admit(bob)).toMatchObject({ error: "invalid" });
  });

  test("Chat is limited per participant in a window, and others are not", () => {
    const clock = { now: 0 };
    const r = room(clock);
    r.handle("a1", { type: "chat", text: "1" });
    r.handle("a1", { type: "chat", text: "2" });
    expect(r.handle("a1", { type: "chat", text: "3" })).toMatchObject({ error: "rate_limited" });
    expect("events" in r.handle("b1", { type: "chat", text: "mine" })).toBe(true);
    clock.now = 1500;
    expect("events" in r.handle("a1", { type: "chat", text: "4" })).toBe(true);
  });

  test("A client that resumes gets what it missed in order, or null once the buffer no longer holds it", () => {
    const r = room();
    for (let i = 0; i < 3; i++) r.handle("t1", { type: "react", emoji: "👍" });
    expect(r.since(4)?.map((e) => e.seq)).toEqual([5, 6]);
    expect(r.since(6)).toEqual([]);
    // Five kept: 2 to 6. A client that saw 1 gets them all; one that saw nothing, a snapshot.
    expect(r.since(1)?.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(r.since(0)).toBeNull();
    expect(r.since(99)).toBeNull();
    expect(r.since(-1)).toBeNull();
  });
});

describe("A client's frame", () => {
  test.each([
    ['{"type":"chat","text":"  hello "}', { message: { type: "chat", text: "hello" } }],
    ['{"type":"hand","raised":false}', { message: { type: "hand", raised: false } }],
    ['{"type":"end","extra":{"ignored":true}}', { message: { type: "end" } }],
  ])("%s is read", (frame, parsed) => {
    expect(parseFrame(frame)).toEqual(parsed);
  });

  test.each([
    ["not json", "one JSON object", true],
    ["[1,2]", "one JSON object", true],
    ['{"type":"shout"}', "Not a message", false],
    [JSON.stringify({ type: "chat", text: "x".repeat(1001) }), "Not a message", false],
    [JSON.stringify({ type: "mute", userId: "../x", muted: true }), "Not a message", false],
    [
      JSON.stringify({ type: "poll_open", question: "q", options: ["one"] }),
      "Not a message",
      false,
    ],
    ["[".repeat(20_000) + "]".repeat(20_000), "at most", true],
  ])("%s is refused (malformed: %s)", (frame, reason, malformed) => {
    expect(parseFrame(frame)).toEqual({ error: expect.stringContaining(reason), malformed });
  });

  test("A frame past the size limit is refused before it is parsed", () => {
    expect(parseFrame(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20))).toEqual({
      error: expect.stringContaining("at most"),
      malformed: true,
    });
  });

  test("A learner whose enrolment was taken back is let go with the reason, once; the room's end is told once", () => {
    const r = room();
    expect(events(r.expel("a1"))).toEqual([
      expect.objectContaining({ type: "left", userId: "a1", reason: "revoked" }),
    ]);
    expect(events(r.expel("a1"))).toEqual([]);
    expect(r.snapshot().participants.map((p) => p.userId)).toEqual(["t1", "b1"]);
    expect(events(r.end())).toEqual([expect.objectContaining({ type: "ended" })]);
    expect(events(r.end())).toEqual([]);
    expect(r.nameOf("b1")).toBe("Bob");
  });

  test("A gateway node that dies takes with it only those connected through it alone", () => {
    const r = new Room();
    r.admit(teacher, "gw-1");
    r.admit(ann, "gw-2");
    r.admit(bob, "gw-2");
    // Bob reconnected through the other gateway before the dead one was noticed.
    r.admit(bob, "gw-1");
    expect(events(r.dropNode("gw-2"))).toEqual([
      expect.objectContaining({ type: "left", userId: "a1" }),
    ]);
    expect(r.snapshot().participants.map((p) => p.userId)).toEqual(["t1", "b1"]);
    expect(events(r.dropNode("gw-2"))).toEqual([]);
    // Leaving through a node is counted on that node.
    expect(events(r.leave("b1", "gw-1"))).toEqual([
      expect.objectContaining({ type: "left", userId: "b1" }),
    ]);
  });

  test("The cap is checked where joins are one at a time, and a room opened again numbers on past its earlier self", () => {
    const r = new Room(undefined, undefined, 2_000_000_000);
    expect(events(r.admit(teacher, "gw", 2))).toEqual([
      expect.objectContaining({ seq: 2_000_000_001 }),
    ]);
    r.admit(ann, "gw", 2);
    expect(r.admit(bob, "gw", 2)).toEqual({ error: "full", message: expect.any(String) });
    // Someone already in comes back on a second connection, full or not.
    expect(events(r.admit(ann, "gw", 2))).toEqual([]);
    expect(r.since(5)).toBeNull();
    expect(r.since(2_000_000_001)).toEqual([expect.objectContaining({ type: "joined" })]);
  });

  test("Every kind of message counts against one budget a window, so reactions and hands cannot flood the room either", () => {
    const clock = { now: 0 };
    const r = room(clock);
    for (let i = 0; i < 6; i++)
      expect(events(r.handle("a1", { type: "react", emoji: "👏" }))).toHaveLength(1);
    expect(r.handle("a1", { type: "hand", raised: true })).toEqual({
      error: "rate_limited",
      message: expect.any(String),
    });
    // Another participant has a budget of their own, and a new window a new one.
    expect(events(r.handle("b1", { type: "react", emoji: "👏" }))).toHaveLength(1);
    clock.now = 1000;
    expect(events(r.handle("a1", { type: "hand", raised: true }))).toHaveLength(1);
  });
});
