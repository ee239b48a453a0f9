import { client, newAccount, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";

const ADMIN = { email: "class-admin@example.com", password: "class-admin-pass-1" };

let system: TestSystem;
let api: Client;
let admin: string;

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  api = client(system.baseUrl);
  await api.followContract();
  admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
});
afterAll(() => system.stop());

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

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
