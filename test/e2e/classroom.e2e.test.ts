import { signAccessToken } from "../../platform/actions/jwt";
import {
  inMinutes,
  learnerOf,
  liveCourse,
  openSession,
  seat as openSeat,
} from "../harness/classroom-client";
import { client, newAccount, TEST_ADDRESS, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";
import { waitFor } from "../harness/node-process";
import { freePort } from "../harness/servers";

const ADMIN = { email: "class-admin@example.com", password: "class-admin-pass-1" };
const JWT_SECRET = "classroom-e2e-secret-".padEnd(48, "x");

let system: TestSystem;
let metricsPort: number;
let api: Client;
let admin: string;

beforeAll(async () => {
  metricsPort = await freePort();
  system = await startSystem({
    METRICS_PORT: String(metricsPort),
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    CLASSROOM_SOCKETS_PER_NODE: "12",
    CLASSROOM_MAX_BUFFERED_KB: "64",
    // The slow reader below needs more than the kernel's 4 MB of buffers to fall behind.
    CLASSROOM_CHAT_PER_10S: "100000",
    CLASSROOM_MESSAGES_PER_10S: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    JWT_SECRET,
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(() => system.stop());

describe("Given a course and its instructor", () => {
  test("Then the instructor schedules live sessions, its learners list them, and no one else does either", async () => {
    const teacher = await newAccount(api, "live-teacher", {
      roles: ["customer", "instructor"],
      admin,
    });
    const course = await api.post(
      "/api/v1/courses",
      { title: "Live planets", slug: `live-${Date.now()}`, category: "science" },
      teacher,
    );
    const mod = await api.post(
      `/api/v1/courses/${course.body.id}/modules`,
      { title: "M" },
      teacher,
    );
    await api.post(
      `/api/v1/modules/${mod.body.id}/lessons`,
      { title: "L", kind: "text", body: "b" },
      teacher,
    );
    expect((await api.post(`/api/v1/courses/${course.body.id}/publish`, {}, teacher)).status).toBe(
      200,
    );
    const url = `/api/v1/courses/${course.body.id}/sessions`;
    const startsAt = inMinutes(30);

    const made = await api.post(url, { title: "Q&A", startsAt, plannedMinutes: 45 }, teacher);
    expect(made.status).toBe(201);
    expect(made.headers.get("location")).toBe(url);
    expect(made.body).toMatchObject({ courseId: course.body.id, cap: 300, plannedMinutes: 45 });
    expect(Date.parse(made.body.opensAt)).toBe(Date.parse(startsAt) - 10 * 60_000);
    expect(Date.parse(made.body.closesAt)).toBe(Date.parse(startsAt) + (45 + 60) * 60_000);

    const past = await api.post(
      url,
      { title: "Late", startsAt: inMinutes(-30), plannedMinutes: 30 },
      teacher,
    );
    expect(past.status).toBe(422);
    expect(past.body.type).toBe("SESSION_TIME_INVALID");
    const other = await newAccount(api, "other-teacher", {
      roles: ["customer", "instructor"],
      admin,
    });
    expect(
      (await api.post(url, { title: "Mine", startsAt, plannedMinutes: 30 }, other)).status,
    ).toBe(404);
    expect(
      (
        await api.post(
          url,
          { title: "Admin's", startsAt, plannedMinutes: 30, cap: 20 },
          { token: admin },
        )
      ).status,
    ).toBe(201);

    const learner = await newAccount(api, "live-learner");
    expect((await api.get(url, learner)).status).toBe(404);
    await api.post(`/api/v1/courses/${course.body.id}/enrol`, {}, learner);
    const listed = await api.get(url, learner);
    expect(listed.status).toBe(200);
    expect(listed.body.rows.map((s: any) => s.title)).toEqual(["Q&A", "Admin's"]);
    expect((await api.get(url, teacher)).body.rows).toHaveLength(2);
  });

  test("Then a course that is not there, or a hostile id, is refused before anything is kept", async () => {
    const teacher = await newAccount(api, "live-teacher-2", {
      roles: ["customer", "instructor"],
      admin,
    });
    const body = { title: "x", startsAt: inMinutes(10), plannedMinutes: 30 };
    expect((await api.post("/api/v1/courses/crs_nothing/sessions", body, teacher)).status).toBe(
      404,
    );
    expect((await api.post("/api/v1/courses/..%2Fx/sessions", body, teacher)).status).toBe(422);
    expect(
      (
        await api.post(
          "/api/v1/courses/crs_nothing/sessions",
          { ...body, startsAt: "tomorrow" },
          teacher,
        )
      ).status,
    ).toBe(422);
  });
});

/** A participant's socket on this system's gateway. */
const seat = async (sessionId: string, token?: string, path?: string) =>
  openSeat(system.baseUrl, sessionId, token, path);

describe("Given a live session open for joining", () => {
  let teacher: { id: string; token: string };
  let learner: { id: string; token: string };
  let courseId: string;
  const newSession = async () =>
    (
      await api.post(
        `/api/v1/courses/${courseId}/sessions`,
        { title: "Now", startsAt: inMinutes(5), plannedMinutes: 30 },
        teacher,
      )
    ).body.id as string;

  beforeAll(async () => {
    teacher = await newAccount(api, "room-teacher", { roles: ["customer", "instructor"], admin });
    learner = await newAccount(api, "room-learner");
    const course = await api.post(
      "/api/v1/courses",
      { title: "Room", slug: `room-${Date.now()}`, category: "c" },
      teacher,
    );
    courseId = course.body.id;
    const mod = await api.post(`/api/v1/courses/${courseId}/modules`, { title: "M" }, teacher);
    await api.post(
      `/api/v1/modules/${mod.body.id}/lessons`,
      { title: "L", kind: "text", body: "b" },
      teacher,
    );
    await api.post(`/api/v1/courses/${courseId}/publish`, {}, teacher);
    await api.post(`/api/v1/courses/${courseId}/enrol`, {}, learner);
  });

  test("Then its instructor and learners meet, and everyone sees the same messages in the same order", async () => {
    const sessionId = await newSession();
    const t = await seat(sessionId, teacher.token);
    const welcome = await t.until((m) => m.type === "welcome");
    expect(welcome.you).toMatchObject({ userId: teacher.id, role: "instructor" });
    const l = await seat(sessionId, learner.token);
    const seen = await l.until((m) => m.type === "welcome");
    expect(seen.snapshot.participants.map((p: any) => p.userId)).toEqual([teacher.id]);
    await t.until((m) => m.type === "joined" && m.participant.userId === learner.id);

    l.say({ type: "chat", text: "Hello, room" });
    t.say({ type: "hand", raised: true });
    await l.until((m) => m.type === "hand");
    await t.until((m) => m.type === "hand");
    // From the learner's arrival on, both heard the same events with the same numbers.
    const from = (heard: any[]) =>
      heard.filter((m) => m.seq > seen.snapshot.seq).map((m) => `${m.seq}:${m.type}`);
    expect(from(l.heard)).toEqual(from(t.heard));
    expect(from(l.heard)).toEqual([
      `${seen.snapshot.seq + 1}:joined`,
      `${seen.snapshot.seq + 2}:chat`,
      `${seen.snapshot.seq + 3}:hand`,
    ]);

    // A learner's instructor-only message is refused to them alone.
    l.say({ type: "end" });
    await l.until((m) => m.type === "error" && m.error === "instructor_only");
    expect(t.heard.some((m) => m.type === "error")).toBe(false);

    // Removed, a learner is closed and cannot come back; the end closes everyone.
    t.say({ type: "remove", userId: learner.id });
    expect((await l.closed).code).toBe(4410);
    const again = await seat(sessionId, learner.token);
    expect((await again.closed).code).toBe(4410);
    t.say({ type: "end" });
    expect((await t.closed).code).toBe(4000);
  });

  test("Then a poll runs its course, mutes and reactions reach everyone, and each refusal reaches only its sender", async () => {
    const sessionId = await newSession();
    const t = await seat(sessionId, teacher.token);
    await t.until((m) => m.type === "welcome");
    const l = await seat(sessionId, learner.token);
    await l.until((m) => m.type === "welcome");
    const other = await learnerOf(api, courseId, "poll-voter");
    const o = await seat(sessionId, other.token);
    await o.until((m) => m.type === "welcome");

    t.say({
      type: "poll_open",
      question: "Which planet is largest?",
      options: ["Mars", "Jupiter"],
    });
    const opened = await l.until((m) => m.type === "poll");
    expect(opened.poll).toMatchObject({ counts: [0, 0], closed: false });
    const pollId = opened.poll.id;
    l.say({ type: "poll_answer", pollId, option: 1 });
    await o.until((m) => m.type === "poll" && m.poll.counts[1] === 1);
    // Once each: a second answer is refused to its sender alone.
    l.say({ type: "poll_answer", pollId, option: 0 });
    await l.until((m) => m.type === "error" && m.error === "invalid");
    o.say({ type: "poll_answer", pollId, option: 0 });
    await t.until((m) => m.type === "poll" && m.poll.counts.join() === "1,1");
    t.say({ type: "poll_close", pollId });
    const closed = await o.until((m) => m.type === "poll" && m.poll.closed);
    expect(closed.poll.counts).toEqual([1, 1]);
    o.say({ type: "poll_answer", pollId, option: 1 });
    await o.until((m) => m.type === "error" && m.message.includes("poll"));

    t.say({ type: "mute", userId: learner.id, muted: true });
    await o.until((m) => m.type === "muted" && m.muted);
    l.say({ type: "chat", text: "can you hear me?" });
    await l.until((m) => m.type === "error" && m.error === "muted");
    t.say({ type: "mute", userId: learner.id, muted: false });
    await l.until((m) => m.type === "muted" && !m.muted);
    l.say({ type: "chat", text: "back again" });
    await o.until((m) => m.type === "chat" && m.text === "back again");
    o.say({ type: "react", emoji: "🎉" });
    await t.until((m) => m.type === "react" && m.from === other.id);
    await l.until((m) => m.type === "react");

    expect(t.heard.some((m) => m.type === "error")).toBe(false);
    expect(o.heard.filter((m) => m.type === "error")).toHaveLength(1);
    expect(l.heard.some((m) => m.type === "chat" && m.text === "can you hear me?")).toBe(false);
    for (const s of [t, l, o]) s.ws.close();
  });

  test("Then a learner who reconnects with the last number seen gets what was missed, in order, and attendance counts both stays", async () => {
    const sessionId = await newSession();
    const t = await seat(sessionId, teacher.token);
    await t.until((m) => m.type === "welcome");
    const l = await seat(sessionId, learner.token);
    await l.until((m) => m.type === "welcome");
    await t.until((m) => m.type === "joined" && m.participant.userId === learner.id);
    await l.until((m) => m.type === "joined");
    const lastSeen = Math.max(...l.heard.filter((m) => m.seq).map((m) => m.seq));
    l.ws.close();
    await l.closed;
    await t.until((m) => m.type === "left");
    for (const text of ["one", "two", "three"]) t.say({ type: "chat", text });
    await waitFor(async () => t.heard.filter((m) => m.type === "chat").length === 3, 5000, "chats");

    const back = await seat(
      sessionId,
      learner.token,
      `/ws/classroom/${sessionId}?lastSeq=${lastSeen}`,
    );
    const welcome = await back.until((m) => m.type === "welcome");
    expect(welcome.missed.map((m: any) => [m.seq, m.type, m.text])).toEqual([
      [lastSeen + 1, "left", undefined],
      [lastSeen + 2, "chat", "one"],
      [lastSeen + 3, "chat", "two"],
      [lastSeen + 4, "chat", "three"],
    ]);
    const far = await seat(sessionId, learner.token, `/ws/classroom/${sessionId}?lastSeq=99999`);
    expect((await far.until((m) => m.type === "welcome")).missed).toBeNull();

    const attendance = await api.get(`/api/v1/sessions/${sessionId}/attendance`, teacher);
    expect(attendance.status).toBe(200);
    const byUser = Object.fromEntries(attendance.body.rows.map((r: any) => [r.userId, r]));
    expect(byUser[teacher.id]).toMatchObject({ role: "instructor", joins: 1, present: true });
    expect(byUser[learner.id]).toMatchObject({ role: "learner", joins: 2, present: true });
    expect(byUser[learner.id].lastLeftAt).toBeTruthy();
    expect((await api.get(`/api/v1/sessions/${sessionId}/attendance`, learner)).status).toBe(404);
    for (const s of [t, back, far]) s.ws.close();
  });

  test("Then a frame sent before the welcome is held for the join, not lost", async () => {
    const sessionId = await newSession();
    const t = await seat(sessionId, teacher.token);
    await new Promise((resolve) => t.ws.once("open", resolve));
    t.say({ type: "chat", text: "early bird" });
    await t.until((m) => m.type === "chat" && m.text === "early bird");
    t.ws.close();
  });

  test("Then a stranger, a missing token, a token in the URL, no such session and a bad frame each get their refusal", async () => {
    const sessionId = await newSession();
    const stranger = await newAccount(api, "room-stranger");
    expect((await (await seat(sessionId, stranger.token)).closed).code).toBe(4403);
    expect((await (await seat(sessionId)).closed).code).toBe(4401);
    const inUrl = await seat(
      sessionId,
      undefined,
      `/ws/classroom/${sessionId}?token=${learner.token}`,
    );
    expect(await inUrl.failed).toBe(400);
    expect((await (await seat("live_none", learner.token)).closed).code).toBe(4404);
    const l = await seat(sessionId, learner.token);
    await l.until((m) => m.type === "welcome");
    l.say("{not json");
    expect((await l.closed).code).toBe(4400);
    const big = await seat(sessionId, learner.token);
    await big.until((m) => m.type === "welcome");
    big.say(JSON.stringify({ type: "chat", text: "x".repeat(1024 * 1024) }));
    expect((await big.closed).code).toBe(1009);
    expect((await api.get("/health/ready")).status).toBe(200);
  });

  test("Then a reader that stops reading is let go once its unsent output passes the limit, and the others hear everything", async () => {
    const sessionId = await newSession();
    const t = await seat(sessionId, teacher.token);
    await t.until((m) => m.type === "welcome");
    const slow = await seat(sessionId, learner.token);
    await slow.until((m) => m.type === "welcome");
    // It stops reading: the kernel takes about 4 MB of what is sent, then the node holds it.
    const raw = (slow.ws as unknown as { _socket: import("node:net").Socket })._socket;
    raw.pause();
    const steady = await seat(sessionId, (await learnerOf(api, courseId, "steady")).token);
    await steady.until((m) => m.type === "welcome");
    const lines = 6000;
    for (let n = 0; n < lines; n++) t.say({ type: "chat", text: `${n} ${"x".repeat(990)}` });
    const last = `${lines - 1} `;
    await t.until((m) => m.type === "chat" && m.text.startsWith(last), 30_000);
    await steady.until((m) => m.type === "chat" && m.text.startsWith(last), 30_000);
    t.say({ type: "hand", raised: true });
    await t.until((m) => m.type === "hand");
    await steady.until((m) => m.type === "hand");
    raw.resume();
    expect((await slow.closed).code).toBe(4408);
    expect(slow.heard.some((m) => m.type === "hand")).toBe(false);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^bazaar_classroom_dropped_total\{[^}]*reason="too_slow"[^}]*\} 1$/m);
    t.say({ type: "hand", raised: false });
    await t.until((m) => m.type === "hand" && !m.raised);
    t.ws.close();
    steady.ws.close();
  }, 60_000);

  test("Then past its sockets a node tells clients to try another, and its metrics count sockets, frames and drops", async () => {
    const sessionId = await newSession();
    const open = [];
    let refused: number | undefined;
    for (let i = 0; i <= 12 && refused === undefined; i++) {
      const s = await seat(sessionId, teacher.token);
      const first = await Promise.race([
        s.until((m) => m.type === "welcome").then(() => "welcome"),
        s.closed.then((c) => c.code),
      ]);
      if (first === "welcome") open.push(s);
      else refused = first as number;
    }
    expect(refused).toBe(4503);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^bazaar_classroom_sockets\\S* ${open.length}$`, "m"));
    expect(metrics).toMatch(/^bazaar_classroom_dropped_total\{[^}]*reason="node_full"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^bazaar_classroom_frames_total\{[^}]*direction="out"[^}]*\} \d+$/m);
    for (const s of open) s.ws.close();
    await Promise.all(open.map((s) => s.closed));
  });
});

describe("Given a live session that ends", () => {
  test("Then its chat stays readable by the course's people, and engagement learns who came and who missed it", async () => {
    const { teacher, courseId } = await liveCourse(api, admin, "ending");
    const came = await learnerOf(api, courseId, "came");
    const missed = await learnerOf(api, courseId, "missed");
    const sessionId = await openSession(api, courseId, teacher);
    const t = await seat(sessionId, teacher.token);
    await t.until((m) => m.type === "welcome");
    const l = await seat(sessionId, came.token);
    await l.until((m) => m.type === "welcome");
    l.say({ type: "chat", text: "first words" });
    await t.until((m) => m.type === "chat");
    t.say({ type: "chat", text: "second words" });
    await l.until((m) => m.type === "chat" && m.text === "second words");
    t.say({ type: "end" });
    expect((await l.closed).code).toBe(4000);
    expect((await t.closed).code).toBe(4000);

    const url = `/api/v1/sessions/${sessionId}/chat`;
    const chat = await api.get(url, missed);
    expect(chat.status).toBe(200);
    expect(chat.body.rows.map((r: any) => [r.from, r.name, r.text])).toEqual([
      [came.id, "came", "first words"],
      [teacher.id, "ending-teacher", "second words"],
    ]);
    const later = await api.get(`${url}?after=${chat.body.rows[0].seq}`, came);
    expect(later.body.rows.map((r: any) => r.text)).toEqual(["second words"]);
    expect((await api.get(url, await newAccount(api, "chat-stranger"))).status).toBe(404);
    expect((await api.get(`${url}?after=-1`, came)).status).toBe(422);
    expect((await api.get("/api/v1/sessions/live_nothing/chat", came)).status).toBe(404);

    const [listed] = (await api.get(`/api/v1/courses/${courseId}/sessions`, came)).body.rows;
    expect(listed.endedAt).toBeTruthy();
    expect((await (await seat(sessionId, came.token)).closed).code).toBe(4409);

    // The summary reaches the learners' profiles: the one who missed it is in the seeded segment.
    const profileOf = async (userId: string) =>
      (await api.get(`/api/v1/engagement/profiles/${userId}`, { token: admin })).body;
    await waitFor(
      async () => (await profileOf(missed.id)).courses?.[courseId]?.missedLastLiveSession === true,
      15_000,
      "the missed session in the profile",
    );
    expect((await profileOf(missed.id)).courses[courseId]).toMatchObject({ liveSessionsMissed: 1 });
    expect((await profileOf(came.id)).courses[courseId]).toMatchObject({
      missedLastLiveSession: false,
      liveMinutes: 0,
    });
    const members = async () =>
      (
        await api.get("/api/v1/engagement/segments/seg_missed_live/members?pageSize=100", {
          token: admin,
        })
      ).body.rows.map((r: any) => r.userId);
    await waitFor(async () => (await members()).includes(missed.id), 15_000, "the segment");
    expect(await members()).not.toContain(came.id);
    const journey = await api.get("/api/v1/engagement/journeys/jrn_missed_live", { token: admin });
    expect(journey.body).toMatchObject({
      status: "paused",
      trigger: { segment: "seg_missed_live" },
    });
  });

  test("Then a token that runs out closes its socket, and a fresh token comes back in", async () => {
    const { teacher, courseId } = await liveCourse(api, admin, "expiry");
    const learner = await learnerOf(api, courseId, "expiring");
    const sessionId = await openSession(api, courseId, teacher);
    const short = signAccessToken({ id: learner.id, roles: ["customer"] }, JWT_SECRET, 2);
    const s = await seat(sessionId, short);
    await s.until((m) => m.type === "welcome");
    const closed = await s.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/expired/);
    const back = await seat(sessionId, learner.token);
    await back.until((m) => m.type === "welcome");
    back.ws.close();
  });

  test("Then a learner whose order is cancelled is let go from the room at once, and cannot come back", async () => {
    const { teacher, courseId } = await liveCourse(api, admin, "revoked", { price: 2500 });
    const buyer = await newAccount(api, "revoked-buyer");
    const order = await api.post(
      "/api/v1/orders",
      {
        items: [{ productId: `course-${courseId}`, quantity: 1 }],
        shippingAddress: TEST_ADDRESS,
        payment: { token: "tok_visa" },
      },
      buyer,
    );
    const sessionId = await openSession(api, courseId, teacher);
    const s = await waitFor(
      async () => {
        const attempt = await seat(sessionId, buyer.token);
        const first = await Promise.race([
          attempt.until((m) => m.type === "welcome").then(() => attempt),
          attempt.closed.then(() => undefined),
        ]);
        return first;
      },
      15_000,
      "the enrolment",
    );
    const t = await seat(sessionId, teacher.token);
    await t.until((m) => m.type === "welcome");
    expect(
      (await api.post(`/api/v1/orders/${order.body.id}/cancel`, {}, { token: admin })).status,
    ).toBe(200);
    const closed = await s.closed;
    expect(closed.code).toBe(4403);
    await t.until((m) => m.type === "left" && m.userId === buyer.id && m.reason === "revoked");
    expect((await (await seat(sessionId, buyer.token)).closed).code).toBe(4403);
    t.ws.close();
  });
});
