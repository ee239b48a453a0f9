import { connect } from "node:net";
import { client, newAccount, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";
import { waitFor } from "../harness/node-process";
import * as pdfs from "../fixtures/pdfs";

const ADMIN = { email: "docs-admin@example.com", password: "docs-admin-pass-1" };

let system: TestSystem;
let api: Client;
let admin: string;

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    DOCUMENT_MAX_MB: "1",
    DOCUMENT_MAX_PAGES: "40",
    DOCUMENT_UPLOAD_IDLE_SECONDS: "1",
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
}, 60_000);
afterAll(() => system.stop());

const account = (label: string, roles?: string[]) =>
  newAccount(api, label, roles ? { roles, admin } : undefined);

async function ready(id: string, token: string) {
  let doc: any;
  await waitFor(
    async () => {
      doc = (await api.get(`/api/v1/documents/${id}`, { token })).body;
      return doc.status === "ready" || doc.status === "failed";
    },
    30_000,
    `document ${id} read`,
  );
  return doc;
}

describe("Given a learner with study material", () => {
  let learner: { id: string; token: string };
  beforeAll(async () => {
    learner = await account("learner");
  });

  test("When they upload a text PDF, then it is read page by page into chunks", async () => {
    const res = await api.upload("/api/v1/documents", pdfs.textPdf(), "solar-system.pdf", learner);
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/v1/documents/${res.body.id}`);
    expect(res.body).toMatchObject({ name: "solar-system.pdf", pages: 4, status: "uploaded" });
    const doc = await ready(res.body.id, learner.token);
    expect(doc).toMatchObject({ status: "ready", pages: 4 });
    expect(doc.chunks).toBeGreaterThanOrEqual(4);
    const page = await api.get(`/api/v1/documents/${doc.id}/pages/3`, learner);
    expect(page.status).toBe(200);
    expect(page.body.text).toContain("Jupiter has 95 known moons");
    expect((await api.get(`/api/v1/documents/${doc.id}/pages/9`, learner)).status).toBe(404);
  });

  test.each([
    ["a password-protected PDF", pdfs.passwordPdf, "PDF_ENCRYPTED"],
    ["an encrypted PDF that opens without a password", pdfs.encryptedPdf, "PDF_ENCRYPTED"],
    ["a corrupt PDF", pdfs.corruptPdf, "PDF_CORRUPT"],
    ["a PDF with no text layer", pdfs.noTextPdf, "PDF_NO_TEXT"],
    ["a PNG named .pdf", pdfs.pngFile, "NOT_A_PDF"],
    ["more pages than allowed", () => pdfs.manyPagesPdf(41), "PDF_TOO_MANY_PAGES"],
  ])(
    "When they upload %s, then it is a 422 with its reason and nothing is kept",
    async (_label, file, type) => {
      const before = (await api.get("/api/v1/documents", learner)).body.total;
      const res = await api.upload("/api/v1/documents", file(), "upload.pdf", learner);
      expect(res.status).toBe(422);
      expect(res.body.type).toBe(type);
      expect(res.body.message).not.toMatch(/node_modules|\.[jt]s:\d+|\bat \w+ \(/);
      expect((await api.get("/api/v1/documents", learner)).body.total).toBe(before);
    },
  );

  test("When the file is larger than the limit, then it is a 413 and nothing is kept", async () => {
    const before = (await api.get("/api/v1/documents", learner)).body.total;
    const big = Buffer.concat([pdfs.textPdf(), Buffer.alloc(1024 * 1024 + 10, 0x20)]);
    const res = await api.upload("/api/v1/documents", big, "big.pdf", learner);
    expect(res.status).toBe(413);
    expect(res.body.type).toBe("PAYLOAD_TOO_LARGE");
    expect((await api.get("/api/v1/documents", learner)).body.total).toBe(before);
  });

  test("When an upload stops half way, then nothing is kept and the node serves on", async () => {
    const before = (await api.get("/api/v1/documents", learner)).body.total;
    const { port } = new URL(system.baseUrl);
    const boundary = "----cut";
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.pdf"\r\n` +
      `Content-Type: application/pdf\r\n\r\n`;
    const partial = Buffer.concat([Buffer.from(head), pdfs.textPdf().subarray(0, 500)]);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /api/v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${learner.token}\r\n` +
            `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n`,
        );
        socket.write(partial);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 300);
      });
    });
    // Its request is given up once nothing more arrives: nothing of it stays in flight.
    const documents = system.broker.getLocalService("documents") as unknown as {
      _trackedContexts: unknown[];
    };
    await waitFor(
      async () => documents._trackedContexts.length === 0,
      5000,
      "the cut upload ended",
    );
    expect((await api.get("/api/v1/documents", learner)).body.total).toBe(before);
    expect((await api.get("/health/ready")).status).toBe(200);
  });

  test("When someone else asks for the document, then it is not found to them, and only its owner removes it", async () => {
    const res = await api.upload("/api/v1/documents", pdfs.textPdf(), "mine.pdf", learner);
    const other = await account("other");
    expect((await api.get(`/api/v1/documents/${res.body.id}`, other)).status).toBe(404);
    expect((await api.get(`/api/v1/documents/${res.body.id}/pages/1`, other)).status).toBe(404);
    expect(
      (await api.request("DELETE", `/api/v1/documents/${res.body.id}`, undefined, other)).status,
    ).toBe(404);
    expect((await api.get(`/api/v1/documents/${res.body.id}`, { token: admin })).status).toBe(200);
    expect(
      (await api.request("DELETE", `/api/v1/documents/${res.body.id}`, undefined, learner)).status,
    ).toBe(204);
    expect((await api.get(`/api/v1/documents/${res.body.id}`, learner)).status).toBe(404);
  });

  test("When the body is not a multipart form, or a form without a file, then it is a 400", async () => {
    const json = await api.post("/api/v1/documents", { file: "x" }, learner);
    expect(json.status).toBe(400);
    expect(json.body.type).toBe("BAD_REQUEST");
    const form = new FormData();
    form.append("title", "no file here");
    const empty = await api.request("POST", "/api/v1/documents", form, learner);
    expect(empty.status).toBe(400);
    const garbled = await api.request("POST", "/api/v1/documents", "--x\r\nnot a part", {
      ...learner,
      headers: { "content-type": "multipart/form-data; boundary=x" },
    });
    expect(garbled.status).toBe(400);
    expect((await api.get("/health/ready")).status).toBe(200);
  });

  test("When the id is hostile, then it is a 422 before anything is looked up", async () => {
    const res = await api.get("/api/v1/documents/..%2F..%2Fetc%2Fpasswd", learner);
    expect(res.status).toBe(422);
  });
});

describe("Given an instructor's course with a document lesson", () => {
  test("Then the lesson must name a ready document the instructor may read, and its learners may read it", async () => {
    const teacher = await account("teacher", ["customer", "instructor"]);
    const stranger = await account("stranger");
    const learner = await account("course-learner");
    const course = await api.post(
      "/api/v1/courses",
      {
        title: "Planets",
        slug: `planets-${Date.now()}`,
        summary: "s",
        category: "science",
        price: 0,
        currency: "EUR",
      },
      teacher,
    );
    expect(course.status).toBe(201);
    const mod = await api.post(
      `/api/v1/courses/${course.body.id}/modules`,
      { title: "M" },
      teacher,
    );
    const lessonOf = (documentId: string) =>
      api.post(
        `/api/v1/modules/${mod.body.id}/lessons`,
        { title: "Read", kind: "document", documentId },
        teacher,
      );

    const strangers = await api.upload("/api/v1/documents", pdfs.textPdf(), "theirs.pdf", stranger);
    expect((await lessonOf(strangers.body.id)).status).toBe(404);
    expect((await lessonOf("doc_nothing")).status).toBe(404);

    const own = await api.upload("/api/v1/documents", pdfs.textPdf(), "planets.pdf", teacher);
    await ready(own.body.id, teacher.token);
    const lesson = await lessonOf(own.body.id);
    expect(lesson.status).toBe(201);
    expect((await api.get(`/api/v1/documents/${own.body.id}`, learner)).status).toBe(404);

    expect((await api.post(`/api/v1/courses/${course.body.id}/publish`, {}, teacher)).status).toBe(
      200,
    );
    expect((await api.post(`/api/v1/courses/${course.body.id}/enrol`, {}, learner)).status).toBe(
      200,
    );
    const read = await api.get(`/api/v1/documents/${own.body.id}`, learner);
    expect(read.status).toBe(200);
    expect(read.body.courseIds).toEqual([course.body.id]);
    expect(
      (await api.get(`/api/v1/documents/${own.body.id}/pages/2`, learner)).body.text,
    ).toContain("Mercury");

    // The tutor over the course reads the course's documents, for its learners only.
    const chat = await api.post("/api/v1/tutor/sessions", { courseId: course.body.id }, learner);
    expect(chat.status).toBe(201);
    expect(chat.body.documents).toEqual([{ id: own.body.id, name: "planets.pdf" }]);
    const answer = await api.post(
      `/api/v1/tutor/sessions/${chat.body.id}/messages`,
      { question: "Which planet is the smallest?" },
      learner,
    );
    expect(answer.body.answer.passages[0]).toMatchObject({ documentId: own.body.id, page: 2 });
    const outsider = await api.post(
      "/api/v1/tutor/sessions",
      { courseId: course.body.id },
      stranger,
    );
    expect(outsider.status).toBe(404);
  });
});

describe("Given study passages in the search", () => {
  const passages = (q: string, token?: string) =>
    api.get(`/api/v1/search?q=${encodeURIComponent(q)}&kind=passage`, token ? { token } : {});

  test("Then a document's readers find its passages with their pages, nobody else does, and a removed one is forgotten", async () => {
    const owner = await account("searcher");
    const stranger = await account("search-stranger");
    const doc = await api.upload("/api/v1/documents", pdfs.textPdf(), "planets.pdf", owner);
    await ready(doc.body.id, owner.token);
    let hits: any[] = [];
    await waitFor(
      async () => {
        hits = (await passages("Galilei moons", owner.token)).body.rows;
        return hits.length > 0;
      },
      15_000,
      "passages indexed",
    );
    expect(hits[0]).toMatchObject({ kind: "passage", refId: doc.body.id, page: 3 });
    expect(hits[0].title).toBe("planets.pdf, page 3");
    expect((await passages("Galilei moons")).body.rows).toEqual([]);
    expect((await passages("Galilei moons", stranger.token)).body.rows).toEqual([]);
    expect(
      (await api.get("/api/v1/search?q=Galilei", {})).body.rows.some(
        (r: any) => r.kind === "passage",
      ),
    ).toBe(false);

    // A rebuild reads every document back from its service, and finds the same.
    const rebuilt = await api.post("/api/v1/search/rebuild", {}, { token: admin });
    expect(rebuilt.body.documents).toBeGreaterThanOrEqual(1);
    expect((await passages("Galilei moons", owner.token)).body.rows[0].refId).toBe(doc.body.id);

    await api.request("DELETE", `/api/v1/documents/${doc.body.id}`, undefined, owner);
    await waitFor(
      async () => (await passages("Galilei moons", owner.token)).body.rows.length === 0,
      15_000,
      "passages forgotten",
    );
  });
});
