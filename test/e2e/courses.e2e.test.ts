import { client, uniqueEmail, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";
import { startReceiver } from "../harness/receivers";
import { waitFor } from "../harness/node-process";

const ADMIN = { email: "dean@example.com", password: "dean-password-1" };
const ADDRESS = { name: "L", line1: "1 Rd", city: "Town", postalCode: "1", country: "DE" };

let system: TestSystem;
let api: Client;
let admin: string;
let slugs = 0;

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    WEBHOOK_ALLOW_PRIVATE: "true",
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(() => system.stop());

async function account(label: string): Promise<{ id: string; token: string }> {
  const email = uniqueEmail(label);
  const res = await api.post("/api/v1/auth/register", {
    email,
    password: "correct-horse",
    name: label,
  });
  return { id: res.body.user.id, token: res.body.token };
}

/** An instructor: an account an admin granted the role, signed in again to carry it. */
async function instructor(): Promise<{ id: string; token: string }> {
  const email = uniqueEmail("teacher");
  const reg = await api.post("/api/v1/auth/register", {
    email,
    password: "correct-horse",
    name: "Teacher",
  });
  const granted = await api.put(
    `/api/v1/users/${reg.body.user.id}/roles`,
    { roles: ["customer", "instructor"] },
    { token: admin },
  );
  expect(granted.status).toBe(200);
  const login = await api.post("/api/v1/auth/login", { email, password: "correct-horse" });
  return { id: reg.body.user.id, token: login.body.token };
}

async function draft(token: string, fields: Record<string, unknown> = {}) {
  slugs++;
  const res = await api.post(
    "/api/v1/courses",
    {
      slug: `course-${process.pid}-${slugs}`,
      title: `Photosynthesis ${slugs}`,
      summary: "Light into sugar",
      category: "biology",
      price: 4900,
      ...fields,
    },
    { token },
  );
  expect(res.status).toBe(201);
  return res.body as { id: string; slug: string; title: string };
}

async function withLesson(token: string, courseId: string) {
  const mod = await api.post(`/api/v1/courses/${courseId}/modules`, { title: "Basics" }, { token });
  expect(mod.status).toBe(201);
  expect(mod.body).toEqual({ id: expect.any(String), courseId, title: "Basics", lessons: [] });
  expect(mod.headers.get("location")).toBe(`/api/v1/courses/${courseId}`);
  const moduleId = mod.body.id;
  const lesson = await api.post(
    `/api/v1/modules/${moduleId}/lessons`,
    { title: "Chlorophyll", kind: "text", body: "# Green", durationMinutes: 12 },
    { token },
  );
  expect(lesson.status).toBe(201);
  return { moduleId, lessonId: lesson.body.id as string, location: lesson.headers.get("location") };
}

describe("courses: an instructor builds and publishes", () => {
  test("When an instructor builds a course and publishes it, then it is listed, its outline hides lesson bodies, and its product is on sale", async () => {
    const teacher = await instructor();
    const course = await draft(teacher.token);
    const { lessonId, location } = await withLesson(teacher.token, course.id);
    expect(location).toBe(`/api/v1/lessons/${lessonId}`);

    // A draft is the author's alone.
    expect((await api.get(`/api/v1/courses/${course.id}`)).status).toBe(404);
    expect((await api.get(`/api/v1/courses/${course.id}`, { token: teacher.token })).status).toBe(
      200,
    );

    const published = await api.post(`/api/v1/courses/${course.id}/publish`, {}, teacher);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: "published", productId: `course-${course.id}` });
    // Asking again changes nothing.
    const again = await api.post(`/api/v1/courses/${course.id}/publish`, {}, teacher);
    expect(again.body.productId).toBe(published.body.productId);

    const outline = await api.get(`/api/v1/courses/${course.id}`);
    expect(outline.status).toBe(200);
    expect(outline.body.modules[0].lessons[0]).toEqual({
      id: lessonId,
      title: "Chlorophyll",
      kind: "text",
      durationMinutes: 12,
    });
    const listed = await api.get(`/api/v1/courses?instructorId=${teacher.id}`);
    expect(listed.body.rows.map((c: { id: string }) => c.id)).toEqual([course.id]);

    const product = await api.get(`/api/v1/products/course-${course.id}`);
    expect(product.body).toMatchObject({
      kind: "course",
      unlimited: true,
      price: 4900,
      name: course.title,
      active: true,
    });

    // The author reads the lesson; another signed-in user does not learn it exists.
    const body = await api.get(`/api/v1/lessons/${lessonId}`, teacher);
    expect(body.body).toMatchObject({ body: "# Green", courseId: course.id });
    const stranger = await account("stranger");
    expect((await api.get(`/api/v1/lessons/${lessonId}`, stranger)).status).toBe(404);
  });

  test("When a published course's price changes, then its product follows; when it is archived, the product is off sale and the price is fixed", async () => {
    const teacher = await instructor();
    const course = await draft(teacher.token);
    await withLesson(teacher.token, course.id);
    await api.post(`/api/v1/courses/${course.id}/publish`, {}, teacher);
    await api.patch(`/api/v1/courses/${course.id}`, { price: 2900, title: "Leaves" }, teacher);
    const changed = await api.get(`/api/v1/products/course-${course.id}`);
    expect(changed.body).toMatchObject({ price: 2900, name: "Leaves" });

    const archived = await api.post(`/api/v1/courses/${course.id}/archive`, {}, teacher);
    expect(archived.body.status).toBe("archived");
    expect((await api.get(`/api/v1/products/course-${course.id}`)).status).toBe(404);
    const refused = await api.patch(`/api/v1/courses/${course.id}`, { price: 100 }, teacher);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe("INVALID_STATE");
    const still = await api.get(`/api/v1/courses/${course.id}`, teacher);
    expect(still.body.price).toBe(2900);
  });

  test("When a learner buys a published course, then the order confirms without a count of units", async () => {
    const teacher = await instructor();
    const course = await draft(teacher.token);
    await withLesson(teacher.token, course.id);
    await api.post(`/api/v1/courses/${course.id}/publish`, {}, teacher);
    const learner = await account("learner");
    const order = await api.post(
      "/api/v1/orders",
      {
        items: [{ productId: `course-${course.id}`, quantity: 1 }],
        shippingAddress: ADDRESS,
        payment: { token: "tok_visa" },
      },
      learner,
    );
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ status: "CONFIRMED", total: 4900 });
  });
});

describe("courses: what is refused changes nothing", () => {
  test("When a customer starts a course, then 403; when another instructor edits one, then 404", async () => {
    const customer = await account("customer");
    const refused = await api.post(
      "/api/v1/courses",
      { slug: "not-mine", title: "T", category: "c" },
      customer,
    );
    expect(refused.status).toBe(403);
    const owner = await instructor();
    const other = await instructor();
    const course = await draft(owner.token);
    const unknown = await api.post(
      "/api/v1/modules/mod_0000000000000000/lessons",
      { title: "L", kind: "text", body: "b" },
      owner,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/^Module not found/);
    for (const attempt of [
      api.patch(`/api/v1/courses/${course.id}`, { title: "Mine now" }, other),
      api.post(`/api/v1/courses/${course.id}/modules`, { title: "M" }, other),
      api.post(`/api/v1/courses/${course.id}/publish`, {}, other),
    ])
      expect((await attempt).status).toBe(404);
    const unchanged = await api.get(`/api/v1/courses/${course.id}`, owner);
    expect(unchanged.body).toMatchObject({ title: expect.stringMatching(/^Photosynthesis/) });
    expect(unchanged.body.modules).toEqual([]);
    // An admin manages every course.
    const byAdmin = await api.patch(
      `/api/v1/courses/${course.id}`,
      { summary: "S" },
      {
        token: admin,
      },
    );
    expect(byAdmin.status).toBe(200);
  });

  test("When an instructor's events-only key reads their draft, then 403; a read key sees it, and without a key it stays hidden", async () => {
    const owner = await instructor();
    const course = await draft(owner.token);
    const keyWith = async (scopes: string[]) =>
      (await api.post("/api/v1/api-keys", { name: "k", scopes }, owner)).body.key as string;
    const eventsOnly = await api.get(`/api/v1/courses/${course.id}`, {
      apiKey: await keyWith(["events"]),
    });
    expect(eventsOnly.status).toBe(403);
    expect(eventsOnly.body.message).toMatch(/lacks the 'read' scope/);
    const reader = await api.get(`/api/v1/courses/${course.id}`, {
      apiKey: await keyWith(["read"]),
    });
    expect(reader.status).toBe(200);
    expect((await api.get(`/api/v1/courses/${course.id}`)).status).toBe(404);
  });

  test("When a slug is taken, a prerequisite unknown or circular, then 409 or 422 and nothing is made", async () => {
    const teacher = await instructor();
    const first = await draft(teacher.token);
    const taken = await api.post(
      "/api/v1/courses",
      { slug: first.slug, title: "Again", category: "c" },
      teacher,
    );
    expect(taken.status).toBe(409);
    expect(taken.body.type).toBe("SLUG_TAKEN");

    const unknown = await api.post(
      "/api/v1/courses",
      { slug: `x-${process.pid}-unknown`, title: "U", category: "c", prerequisites: ["crs_nope"] },
      teacher,
    );
    expect(unknown.status).toBe(422);
    expect((await api.get(`/api/v1/courses?instructorId=${teacher.id}`)).body.total).toBe(0);

    const second = await draft(teacher.token, { prerequisites: [first.id] });
    const cycle = await api.patch(
      `/api/v1/courses/${first.id}`,
      { prerequisites: [second.id] },
      teacher,
    );
    expect(cycle.status).toBe(422);
    expect(cycle.body.data[0]).toMatchObject({ field: "prerequisites", type: "cycle" });
    const self = await api.patch(
      `/api/v1/courses/${first.id}`,
      { prerequisites: [first.id] },
      teacher,
    );
    expect(self.status).toBe(422);
    expect((await api.get(`/api/v1/courses/${first.id}`, teacher)).body.prerequisites).toEqual([]);
  });

  test("When an outline is reordered with another course's ids, a lesson lacks its content, or a course without lessons is published, then each is refused", async () => {
    const teacher = await instructor();
    const course = await draft(teacher.token);
    const noLessons = await api.post(`/api/v1/courses/${course.id}/publish`, {}, teacher);
    expect(noLessons.status).toBe(409);
    const { moduleId, lessonId } = await withLesson(teacher.token, course.id);
    const other = await draft(teacher.token);
    const foreign = await withLesson(teacher.token, other.id);

    const mixed = await api.put(
      `/api/v1/courses/${course.id}/outline`,
      { modules: [{ id: moduleId, lessons: [lessonId, foreign.lessonId] }] },
      teacher,
    );
    expect(mixed.status).toBe(422);
    const reordered = await api.put(
      `/api/v1/courses/${course.id}/outline`,
      { modules: [{ id: moduleId, lessons: [lessonId] }] },
      teacher,
    );
    expect(reordered.status).toBe(200);

    const noBody = await api.post(
      `/api/v1/modules/${moduleId}/lessons`,
      { title: "Empty", kind: "text" },
      teacher,
    );
    expect(noBody.status).toBe(422);
    const wrongContent = await api.post(
      `/api/v1/modules/${moduleId}/lessons`,
      { title: "Both", kind: "video", videoUrl: "https://video.example/1", body: "x" },
      teacher,
    );
    expect(wrongContent.status).toBe(422);
    const badUrl = await api.post(
      `/api/v1/modules/${moduleId}/lessons`,
      { title: "Script", kind: "video", videoUrl: "javascript:alert(1)" },
      teacher,
    );
    expect(badUrl.status).toBe(422);
    const outline = await api.get(`/api/v1/courses/${course.id}`, teacher);
    expect(outline.body.modules[0].lessons.map((l: { id: string }) => l.id)).toEqual([lessonId]);
    expect((await api.get(`/api/v1/courses/${course.id}`)).status).toBe(404);
  });
});

/** A published course of `lessons` text lessons in one module; the last lesson's id last. */
async function publishedCourse(
  teacher: { token: string },
  fields: Record<string, unknown> = {},
  lessons = 2,
) {
  const course = await draft(teacher.token, fields);
  const mod = await api.post(`/api/v1/courses/${course.id}/modules`, { title: "M" }, teacher);
  const moduleId = mod.body.id;
  const lessonIds: string[] = [];
  for (let i = 0; i < lessons; i++) {
    const res = await api.post(
      `/api/v1/modules/${moduleId}/lessons`,
      { title: `L${i}`, kind: "text", body: `lesson ${i}` },
      teacher,
    );
    lessonIds.push(res.body.id);
  }
  expect((await api.post(`/api/v1/courses/${course.id}/publish`, {}, teacher)).status).toBe(200);
  return { ...course, lessonIds };
}

function buy(learner: { token: string }, courseId: string) {
  return api.post(
    "/api/v1/orders",
    {
      items: [{ productId: `course-${courseId}`, quantity: 1 }],
      shippingAddress: ADDRESS,
      payment: { token: "tok_visa" },
    },
    learner,
  );
}

const enrolled = (learner: { token: string }, courseId: string) =>
  waitFor(
    async () => {
      const res = await api.get(`/api/v1/me/courses/${courseId}/progress`, learner);
      return res.status === 200 ? res.body : undefined;
    },
    10_000,
    "the enrolment",
  );

describe("courses: learning", () => {
  test("When a learner buys a course, then they are enrolled, lessons open in order, and completing them all gives a certificate anyone can verify", async () => {
    const teacher = await instructor();
    const course = await publishedCourse(teacher, { sequential: true }, 2);
    const learner = await account("learner");
    const [first, second] = course.lessonIds;
    expect((await api.get(`/api/v1/lessons/${first}`, learner)).status).toBe(404);

    expect((await buy(learner, course.id)).status).toBe(201);
    expect(await enrolled(learner, course.id)).toMatchObject({ percent: 0, totalLessons: 2 });
    const outline = await api.get(`/api/v1/courses/${course.id}`, learner);
    expect(outline.body.modules[0].lessons.map((l: any) => [l.locked, l.completed])).toEqual([
      [false, false],
      [true, false],
    ]);
    const locked = await api.get(`/api/v1/lessons/${second}`, learner);
    expect(locked.status).toBe(409);
    expect(locked.body.type).toBe("LESSON_LOCKED");
    expect((await api.post(`/api/v1/lessons/${second}/complete`, {}, learner)).status).toBe(409);

    expect((await api.get(`/api/v1/lessons/${first}`, learner)).body.body).toBe("lesson 0");
    const half = await api.post(`/api/v1/lessons/${first}/complete`, {}, learner);
    expect(half.body).toMatchObject({ completedLessons: 1, percent: 50 });
    const again = await api.post(`/api/v1/lessons/${first}/complete`, {}, learner);
    expect(again.body).toMatchObject({ completedLessons: 1, percent: 50 });
    const done = await api.post(`/api/v1/lessons/${second}/complete`, {}, learner);
    expect(done.body).toMatchObject({ completedLessons: 2, percent: 100 });
    expect(done.body.certificateId).toMatch(/^cert_[0-9a-f]{32}$/);

    const verified = await api.get(`/api/v1/certificates/${done.body.certificateId}`);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      id: done.body.certificateId,
      courseId: course.id,
      courseTitle: course.title,
      holderName: expect.any(String),
      completedAt: done.body.completedAt,
    });
    expect(verified.body.holderName).toBe((await api.get("/api/v1/users/me", learner)).body.name);
    const forged = done.body.certificateId.replace(/.$/, (c: string) => (c === "0" ? "1" : "0"));
    expect((await api.get(`/api/v1/certificates/${forged}`)).status).toBe(404);
    expect((await api.get("/api/v1/certificates/not-a-certificate")).status).toBe(422);
    const mine = await api.get("/api/v1/me/enrolments", learner);
    expect(mine.body.rows).toEqual([
      expect.objectContaining({ courseId: course.id, percent: 100 }),
    ]);
  });

  test("When the order is cancelled, then the course is taken back", async () => {
    const teacher = await instructor();
    const course = await publishedCourse(teacher);
    const learner = await account("refunded");
    const order = await buy(learner, course.id);
    await enrolled(learner, course.id);
    expect(
      (await api.post(`/api/v1/orders/${order.body.id}/cancel`, {}, { token: admin })).status,
    ).toBe(200);
    await waitFor(
      async () => (await api.get(`/api/v1/lessons/${course.lessonIds[0]}`, learner)).status === 404,
      10_000,
      "the enrolment to be revoked",
    );
    expect((await api.get(`/api/v1/me/courses/${course.id}/progress`, learner)).status).toBe(404);
  });

  test("When a learner buys a course they already hold, then 409 before any charge; once it is taken back, they may buy it again", async () => {
    const teacher = await instructor();
    const course = await publishedCourse(teacher);
    const learner = await account("twice");
    const first = await buy(learner, course.id);
    expect(first.status).toBe(201);
    await enrolled(learner, course.id);
    const again = await buy(learner, course.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: "ALREADY_ENROLLED", data: { courses: [course.id] } });
    expect((await api.get("/api/v1/orders", learner)).body.total).toBe(1);
    expect((await api.get("/api/v1/payments", learner)).body.total).toBe(1);
    await api.post(`/api/v1/orders/${first.body.id}/cancel`, {}, { token: admin });
    await waitFor(
      async () => (await buy(learner, course.id)).status === 201,
      10_000,
      "the course to be on sale to them again",
    );
  });

  test("When prerequisites are not complete, then a free course refuses to enrol and a paid one is refused before any charge", async () => {
    const teacher = await instructor();
    const basics = await publishedCourse(teacher, { price: 0 }, 1);
    const free = await publishedCourse(teacher, { price: 0, prerequisites: [basics.id] }, 1);
    const paid = await publishedCourse(teacher, { prerequisites: [basics.id] }, 1);
    const learner = await account("eager");

    const refused = await api.post(`/api/v1/courses/${free.id}/enrol`, {}, learner);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: "PREREQUISITES_NOT_MET",
      data: { prerequisites: [basics.id] },
    });
    const order = await buy(learner, paid.id);
    expect(order.status).toBe(409);
    expect(order.body.type).toBe("PREREQUISITES_NOT_MET");
    expect((await api.get("/api/v1/orders", learner)).body.total).toBe(0);
    expect((await api.get("/api/v1/payments", learner)).body.total).toBe(0);

    // Done with the basics, both open.
    expect((await api.post(`/api/v1/courses/${basics.id}/enrol`, {}, learner)).status).toBe(200);
    await api.post(`/api/v1/lessons/${basics.lessonIds[0]}/complete`, {}, learner);
    expect((await api.post(`/api/v1/courses/${free.id}/enrol`, {}, learner)).status).toBe(200);
    expect((await buy(learner, paid.id)).status).toBe(201);
  });

  test("When the last lesson is completed twenty times at once, then the course is completed once", async () => {
    const receiver = await startReceiver();
    const hook = await api.post(
      "/api/v1/webhooks",
      { url: receiver.url, events: ["courses.completed"] },
      { token: admin },
    );
    expect(hook.status).toBe(201);
    try {
      const teacher = await instructor();
      const course = await publishedCourse(teacher, { price: 0 }, 2);
      const learner = await account("racer");
      await api.post(`/api/v1/courses/${course.id}/enrol`, {}, learner);
      await api.post(`/api/v1/lessons/${course.lessonIds[0]}/complete`, {}, learner);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.post(`/api/v1/lessons/${course.lessonIds[1]}/complete`, {}, learner),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const certificates = new Set(answers.map((a) => a.body.certificateId));
      expect(certificates.size).toBe(1);
      await waitFor(async () => receiver.hits.length >= 1, 10_000, "the completion webhook");
      // Anything told twice would have arrived by now, as the first did.
      await new Promise((r) => setTimeout(r, 1500));
      const told = receiver.hits.map((h) => JSON.parse(h.body));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({
        type: "courses.completed",
        data: { courseId: course.id, certificateId: [...certificates][0] },
      });
    } finally {
      await api.delete(`/api/v1/webhooks/${hook.body.id}`, { token: admin });
      await receiver.stop();
    }
  });

  test("When a course is published, then its change and its product's are told on their channels", async () => {
    const receiver = await startReceiver();
    const hook = await api.post(
      "/api/v1/webhooks",
      { url: receiver.url, events: ["courses.course_changed", "catalog.product_changed"] },
      { token: admin },
    );
    try {
      const teacher = await instructor();
      const course = await publishedCourse(teacher, {}, 1);
      const told = () => receiver.hits.map((h) => JSON.parse(h.body));
      await waitFor(
        async () =>
          told().some(
            (e) => e.type === "courses.course_changed" && e.data.status === "published",
          ) && told().some((e) => e.type === "catalog.product_changed"),
        10_000,
        "both changes told",
      );
      const published = told().find(
        (e) => e.type === "courses.course_changed" && e.data.status === "published",
      );
      expect(published.data).toMatchObject({
        id: course.id,
        productId: `course-${course.id}`,
        lessons: [{ id: course.lessonIds[0], title: "L0" }],
      });
      const product = told().find((e) => e.type === "catalog.product_changed");
      expect(product.data).toMatchObject({ id: `course-${course.id}`, kind: "course" });
    } finally {
      await api.delete(`/api/v1/webhooks/${hook.body.id}`, { token: admin });
      await receiver.stop();
    }
  });
});
