import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  firstWord,
  learnerOf,
  liveCourse,
  openSession,
  seat as openSeat,
  type Account,
  type Seat,
} from "../harness/classroom-client";
import type { Client } from "../harness/http";
import { waitFor, type NodeProcess } from "../harness/node-process";
import { startServingNode } from "../harness/serving-node";

/**
 * Hostile clients of the live classroom, on a node started as in production (its own process,
 * its logs read): each gets its close code or error, and the others in the room see nothing of
 * it but its presence coming and going.
 */
const ADMIN = { email: "room-review@example.com", password: "room-review-1" };
const ALLOWED_ORIGIN = "https://shop.example";
const PER_ADDRESS = 40;

let node: NodeProcess & { api: Client; url: string };
let dataDir: string;
let baseUrl: string;
let api: Client;
let admin: string;
let teacher: Account;
let learner: Account;
let courseId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-room-review-"));
  node = await startServingNode(
    {
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_AUTH: "100000",
      RATE_LIMIT_API: "100000",
      CORS_ORIGINS: ALLOWED_ORIGIN,
      CLASSROOM_SOCKETS_PER_ADDRESS: String(PER_ADDRESS),
      CLASSROOM_PING_SECONDS: "1",
      // The flood below comes from one address behind the proxy; the room's people from another.
      TRUST_PROXY_HOPS: "1",
      LOG_LEVEL: "debug",
    },
    { until: "up" },
  );
  baseUrl = node.url;
  api = node.api;
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
  ({ teacher, courseId } = await liveCourse(api, admin, "hostile"));
  learner = await learnerOf(api, courseId, "hostile-learner");
}, 90_000);

afterAll(async () => {
  await node?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const seat = (sessionId: string, token?: string, p?: string, headers?: Record<string, string>) =>
  openSeat(baseUrl, sessionId, token, p, headers);

/** A room with its instructor in it, listening: what they hear is what "the others" hear. */
async function watchedRoom(): Promise<{ sessionId: string; watcher: Seat }> {
  const sessionId = await openSession(api, courseId, teacher);
  const watcher = seat(sessionId, teacher.token);
  await watcher.until((m) => m.type === "welcome");
  return { sessionId, watcher };
}

/** The watcher heard nothing but the hostile client's arrival and departure. */
function heardOnlyPresence(watcher: Seat): void {
  const seen = watcher.heard.filter((m) => m.type !== "welcome").map((m) => m.type);
  expect(seen.filter((type) => type !== "joined" && type !== "left")).toEqual([]);
}

describe("Given a hostile client of a live session", () => {
  test("When the handshake comes from an origin not allowed, then 403; an allowed origin and a client with no origin come in", async () => {
    const { sessionId, watcher } = await watchedRoom();
    const evil = seat(sessionId, learner.token, undefined, { origin: "https://evil.example" });
    expect(await evil.failed).toBe(403);
    const shop = seat(sessionId, learner.token, undefined, { origin: ALLOWED_ORIGIN });
    expect(await firstWord(shop)).toHaveProperty("welcome");
    shop.ws.close();
    heardOnlyPresence(watcher);
    watcher.ws.close();
  });

  test("When the token is in the URL, then 400, and the token is written nowhere in the node's logs", async () => {
    const { sessionId } = await watchedRoom();
    const inUrl = seat(
      sessionId,
      undefined,
      `/ws/classroom/${sessionId}?access_token=${learner.token}`,
    );
    expect(await inUrl.failed).toBe(400);
    const jwtLike = seat(
      sessionId,
      undefined,
      `/ws/classroom/${sessionId}?lastSeq=1&jwt=${learner.token}`,
    );
    expect(await jwtLike.failed).toBe(400);
    // The node logs at debug here: still not a trace of it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(node.output()).not.toContain(learner.token);
    expect(node.output()).not.toContain(learner.token.split(".")[2]);
  });

  test("When frames are 1 MB, deeply nested, not JSON, or of unknown types, then each is closed or refused, and the room sees nothing of them", async () => {
    const { sessionId, watcher } = await watchedRoom();
    const big = seat(sessionId, learner.token);
    await big.until((m) => m.type === "welcome");
    big.say(JSON.stringify({ type: "chat", text: "x".repeat(1024 * 1024) }));
    expect((await big.closed).code).toBe(1009);

    const nested = seat(sessionId, learner.token);
    await nested.until((m) => m.type === "welcome");
    nested.say("[".repeat(8000) + "]".repeat(8000));
    expect((await nested.closed).code).toBe(4400);

    const deepObject = seat(sessionId, learner.token);
    await deepObject.until((m) => m.type === "welcome");
    deepObject.say('{"type":"chat","text":' + '{"a":'.repeat(2000) + "1" + "}".repeat(2001));
    // One JSON object whose text is not text: refused to its sender, who stays.
    await deepObject.until((m) => m.type === "error" && m.error === "invalid");

    const unknown = seat(sessionId, learner.token);
    await unknown.until((m) => m.type === "welcome");
    unknown.say({ type: "admin_override", grant: "everything" });
    unknown.say({ type: "__proto__", polluted: true });
    await waitFor(
      async () =>
        unknown.heard.filter((m) => m.type === "error" && m.error === "invalid").length === 2,
      5000,
      "two refusals",
    );
    expect(unknown.ws.readyState).toBe(unknown.ws.OPEN);
    unknown.say({ type: "react", emoji: "👍" });
    await watcher.until((m) => m.type === "react");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    expect(watcher.heard.some((m) => m.type === "error")).toBe(false);
    expect(watcher.heard.some((m) => m.type === "chat")).toBe(false);
    for (const s of [deepObject, unknown]) s.ws.close();
    watcher.ws.close();
    expect((await api.get("/health/ready")).status).toBe(200);
  });

  test("When a learner floods the chat, then past the limit they are told to wait, and the room hears only what the limit lets through", async () => {
    const { sessionId, watcher } = await watchedRoom();
    const flooder = seat(sessionId, learner.token);
    await flooder.until((m) => m.type === "welcome");
    for (let i = 0; i < 100; i++) flooder.say({ type: "chat", text: `spam ${i}` });
    await waitFor(
      async () => flooder.heard.filter((m) => m.type === "error").length === 95,
      10_000,
      "95 refusals",
    );
    expect(new Set(flooder.heard.filter((m) => m.type === "error").map((m) => m.error))).toEqual(
      new Set(["rate_limited"]),
    );
    const chats = watcher.heard.filter((m) => m.type === "chat");
    expect(chats.map((m) => m.text)).toEqual(["spam 0", "spam 1", "spam 2", "spam 3", "spam 4"]);
    expect(watcher.heard.some((m) => m.type === "error")).toBe(false);
    flooder.ws.close();
    watcher.ws.close();
  });

  test("When a learner sends what only the instructor may, then each is refused to them alone, and nothing changes", async () => {
    const { sessionId, watcher } = await watchedRoom();
    const rogue = seat(sessionId, learner.token);
    await rogue.until((m) => m.type === "welcome");
    const attempts = [
      { type: "poll_open", question: "Skip the exam?", options: ["yes", "yes!"] },
      { type: "poll_close", pollId: "poll-1" },
      { type: "mute", userId: teacher.id, muted: true },
      { type: "remove", userId: teacher.id },
      { type: "end" },
    ];
    for (const attempt of attempts) rogue.say(attempt);
    await waitFor(
      async () => rogue.heard.filter((m) => m.type === "error").length === attempts.length,
      5000,
      "every refusal",
    );
    expect(rogue.heard.filter((m) => m.type === "error").map((m) => m.error)).toEqual(
      attempts.map(() => "instructor_only"),
    );
    heardOnlyPresence(watcher);
    watcher.say({ type: "chat", text: "still here" });
    await rogue.until((m) => m.type === "chat" && m.text === "still here");
    rogue.ws.close();
    watcher.ws.close();
  });

  test("When a client replays another session's sequence numbers, then it gets this session's snapshot and none of the other's events", async () => {
    const busy = await watchedRoom();
    for (let i = 0; i < 4; i++) busy.watcher.say({ type: "chat", text: `secret ${i}` });
    const last = await busy.watcher.until((m) => m.type === "chat" && m.text === "secret 3");
    const quiet = await watchedRoom();
    const replay = seat(
      quiet.sessionId,
      learner.token,
      `/ws/classroom/${quiet.sessionId}?lastSeq=${last.seq}`,
    );
    const welcome = await replay.until((m) => m.type === "welcome");
    expect(welcome.missed).toBeNull();
    expect(welcome.snapshot.participants.map((p: any) => p.userId)).toEqual([teacher.id]);
    expect(JSON.stringify(replay.heard)).not.toContain("secret");
    for (const s of [replay, busy.watcher, quiet.watcher]) s.ws.close();
  });

  test("When a half-open connection never answers pings, then it is closed and the room hears it left", async () => {
    const { sessionId, watcher } = await watchedRoom();
    const { port } = new URL(baseUrl);
    const raw = connect(Number(port), "127.0.0.1");
    const upgraded = new Promise<string>((resolve) =>
      raw.once("data", (d) => resolve(d.toString())),
    );
    raw.write(
      [
        `GET /ws/classroom/${sessionId} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        `Sec-WebSocket-Protocol: bazaar.classroom.v1, bearer.${learner.token}`,
        "",
        "",
      ].join("\r\n"),
    );
    expect(await upgraded).toMatch(/^HTTP\/1.1 101/);
    await watcher.until((m) => m.type === "joined" && m.participant.userId === learner.id);
    // It reads nothing more and answers no ping, as a peer gone without a FIN.
    raw.pause();
    const gone = new Promise((resolve) => raw.once("close", resolve));
    await watcher.until((m) => m.type === "left" && m.userId === learner.id, 10_000);
    raw.resume();
    await gone;
    watcher.ws.close();
  });

  test("When a thousand connections come from one address, then past its share they are refused at the handshake, and the room and the node carry on", async () => {
    const { sessionId, watcher } = await watchedRoom();
    const from = { "x-forwarded-for": "203.0.113.9" };
    const flood: Seat[] = [];
    const outcomes: (number | "welcome")[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const wave = Array.from({ length: 100 }, () =>
        seat(sessionId, learner.token, undefined, from),
      );
      flood.push(...wave);
      outcomes.push(
        ...(await Promise.all(
          wave.map((s) => Promise.race([s.welcomed.then(() => "welcome" as const), s.failed])),
        )),
      );
    }
    expect(outcomes.filter((o) => o === "welcome")).toHaveLength(PER_ADDRESS);
    expect(outcomes.filter((o) => o === 429)).toHaveLength(1000 - PER_ADDRESS);
    // Another address is not held back, and the room still speaks.
    const other = await learnerOf(api, courseId, "hostile-other");
    const neighbour = seat(sessionId, other.token);
    await neighbour.until((m) => m.type === "welcome");
    watcher.say({ type: "chat", text: "carry on" });
    await neighbour.until((m) => m.type === "chat" && m.text === "carry on");
    for (const s of flood) s.ws.terminate();
    expect((await api.get("/health/ready")).status).toBe(200);
    neighbour.ws.close();
    watcher.ws.close();
  });
});
