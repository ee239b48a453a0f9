import { readFileSync } from "node:fs";
import path from "node:path";
import { client, newAccount, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";
import { waitFor } from "../harness/node-process";
import { ABSENT_QUESTIONS, STUDY_CORPUS, STUDY_QUESTIONS } from "../../samples/study/corpus";

const SAMPLES = path.join(__dirname, "..", "..", "samples", "study");

let system: TestSystem;
let api: Client;
let learner: { id: string; token: string };
const documentIdOf = new Map<string, string>();

const account = (label: string) => newAccount(api, label);

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    TUTOR_QUESTIONS_PER_MINUTE: "60",
  });
  api = client(system.baseUrl);
  await api.followContract();
  learner = await account("student");
  for (const doc of STUDY_CORPUS) {
    const file = readFileSync(path.join(SAMPLES, doc.file));
    const res = await api.upload("/api/v1/documents", file, doc.file, learner);
    expect(res.status).toBe(201);
    documentIdOf.set(doc.file, res.body.id);
  }
  for (const id of documentIdOf.values())
    await waitFor(
      async () => (await api.get(`/api/v1/documents/${id}`, learner)).body.status === "ready",
      30_000,
      `document ${id} read`,
    );
}, 90_000);
afterAll(() => system.stop());

const solar = () => documentIdOf.get("solar-system.pdf")!;

test("The study path: upload, quiz, attempt, review, then the tutor cites the right page and abstains where the document is silent", async () => {
  const quiz = await api.post(
    `/api/v1/documents/${solar()}/quizzes`,
    { count: 5, seed: "walk" },
    learner,
  );
  expect(quiz.status).toBe(201);
  const answers = Object.fromEntries(
    quiz.body.questions.map((q: any) => [
      q.id,
      q.kind === "true_false" ? false : q.kind === "choice" ? "a" : "no idea",
    ]),
  );
  const graded = await api.post(`/api/v1/quizzes/${quiz.body.id}/attempts`, { answers }, learner);
  expect(graded.status).toBe(200);
  const missed = graded.body.results.filter((r: any) => !r.correct).length;
  expect(missed).toBeGreaterThan(0);
  const queue = await api.get("/api/v1/me/reviews?aheadMinutes=5", learner);
  expect(queue.body.rows.filter((r: any) => r.quizId === quiz.body.id)).toHaveLength(missed);

  const session = await api.post("/api/v1/tutor/sessions", { documentIds: [solar()] }, learner);
  expect(session.status).toBe(201);
  const ask = (question: string) =>
    api.post(`/api/v1/tutor/sessions/${session.body.id}/messages`, { question }, learner);
  const moons = await ask("How many moons does Jupiter have?");
  expect(moons.status).toBe(200);
  expect(moons.body.answer).toMatchObject({ abstained: false, expected: "number" });
  expect(moons.body.answer.passages[0]).toMatchObject({
    documentId: solar(),
    documentName: "solar-system.pdf",
    page: 3,
  });
  expect(moons.body.answer.text).toContain("95");

  const who = await ask("Who discovered the four largest moons of Jupiter?");
  expect(who.body.answer.text).toContain("Galileo");
  const when = await ask("And when was that?");
  expect(when.body.answer).toMatchObject({ expected: "date", abstained: false });
  expect(when.body.answer.text).toContain("1610");

  const silent = await ask("What is the capital of Australia?");
  expect(silent.body.answer).toMatchObject({ abstained: true, passages: [] });
  expect(silent.body.answer.text).toContain("solar-system.pdf");

  const history = await api.get(`/api/v1/tutor/sessions/${session.body.id}`, learner);
  expect(history.body.turns.map((t: any) => t.question)).toEqual([
    "How many moons does Jupiter have?",
    "Who discovered the four largest moons of Jupiter?",
    "And when was that?",
    "What is the capital of Australia?",
  ]);
});

test("Over three documents and thirty questions written by hand, the top answer holds the right passage for at least 80 %, and five absent answers are abstentions", async () => {
  const session = await api.post(
    "/api/v1/tutor/sessions",
    { documentIds: [...documentIdOf.values()] },
    learner,
  );
  let right = 0;
  for (const q of STUDY_QUESTIONS) {
    const reply = await api.post(
      `/api/v1/tutor/sessions/${session.body.id}/messages`,
      { question: q.q },
      learner,
    );
    const top = reply.body.answer.passages[0];
    if (top && top.documentName === q.doc && top.page === q.page && top.text.includes(q.answer))
      right++;
  }
  let abstained = 0;
  for (const question of ABSENT_QUESTIONS) {
    const reply = await api.post(
      `/api/v1/tutor/sessions/${session.body.id}/messages`,
      { question },
      learner,
    );
    if (reply.body.answer.abstained) abstained++;
  }
  process.stdout.write(
    `tutor quality: ${right}/${STUDY_QUESTIONS.length} right passages, ${abstained}/${ABSENT_QUESTIONS.length} abstentions\n`,
  );
  expect(right / STUDY_QUESTIONS.length).toBeGreaterThanOrEqual(0.8);
  expect(abstained).toBe(ABSENT_QUESTIONS.length);
});

describe("The tutor's refusals", () => {
  test("Without a scope, or with both, it is a 422; another's document is not found; another's session neither", async () => {
    const none = await api.post("/api/v1/tutor/sessions", {}, learner);
    expect(none.status).toBe(422);
    expect(none.body.type).toBe("SCOPE_REQUIRED");
    const both = await api.post(
      "/api/v1/tutor/sessions",
      { documentIds: [solar()], courseId: "c1" },
      learner,
    );
    expect(both.status).toBe(422);
    const other = await account("other-student");
    expect(
      (await api.post("/api/v1/tutor/sessions", { documentIds: [solar()] }, other)).status,
    ).toBe(404);
    const mine = await api.post("/api/v1/tutor/sessions", { documentIds: [solar()] }, learner);
    expect((await api.get(`/api/v1/tutor/sessions/${mine.body.id}`, other)).status).toBe(404);
    expect(
      (
        await api.post(
          `/api/v1/tutor/sessions/${mine.body.id}/messages`,
          { question: "Hi?" },
          other,
        )
      ).status,
    ).toBe(404);
  });

  test("A question over 500 characters is a 422 and one of 10 MB a 413, before any answering", async () => {
    const session = await api.post("/api/v1/tutor/sessions", { documentIds: [solar()] }, learner);
    const url = `/api/v1/tutor/sessions/${session.body.id}/messages`;
    expect((await api.post(url, { question: "why ".repeat(130) }, learner)).status).toBe(422);
    const huge = await api.request(
      "POST",
      url,
      JSON.stringify({ question: "x".repeat(10 * 1024 * 1024) }),
      learner,
    );
    expect(huge.status).toBe(413);
    expect(
      (await api.get(`/api/v1/tutor/sessions/${session.body.id}`, learner)).body.turns,
    ).toEqual([]);
  });

  test("Past its questions a minute, a user gets 429 with Retry-After, and others are still answered", async () => {
    const chatty = await account("chatty");
    const own = await api.upload(
      "/api/v1/documents",
      readFileSync(path.join(SAMPLES, "human-heart.pdf")),
      "heart.pdf",
      chatty,
    );
    await waitFor(
      async () =>
        (await api.get(`/api/v1/documents/${own.body.id}`, chatty)).body.status === "ready",
      30_000,
      "heart read",
    );
    const session = await api.post(
      "/api/v1/tutor/sessions",
      { documentIds: [own.body.id] },
      chatty,
    );
    const url = `/api/v1/tutor/sessions/${session.body.id}/messages`;
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++)
      statuses.push((await api.post(url, { question: "How many chambers?" }, chatty)).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    const limited = await api.post(url, { question: "How many chambers?" }, chatty);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const calm = await api.post("/api/v1/tutor/sessions", { documentIds: [solar()] }, learner);
    expect(
      (
        await api.post(
          `/api/v1/tutor/sessions/${calm.body.id}/messages`,
          { question: "Which planet is the largest?" },
          learner,
        )
      ).status,
    ).toBe(200);
  });
});
