import type { Principal } from "../../contracts/users";
import { COURSE_INDEXES, type CourseDoc, type Courses } from "../../services/courses/model";
import { assertPrerequisites, createCourse, slugFrom } from "../../services/courses/authoring";
import { addLesson, addModule, reorderOutline, updateLesson } from "../../services/courses/outline";
import { editable, type Editor } from "../../services/courses/ownership";
import { POLICY_SCHEMA } from "../../contracts/policies";
import { principalEntity } from "../../mixins/policy-client.mixin";
import { PolicyEngine } from "../../platform/policy/policy-engine";
import { SHIPPED_POLICIES } from "../../services/policies/shipped";
import { enrolFromOrder, grant, revokeForOrder } from "../../services/courses/enrolment";
import { completeLesson } from "../../services/courses/progress";
import { pendingEvents } from "../../platform/messaging/outbox";
import { ENROLMENT_INDEXES, type EnrolmentDoc } from "../../services/courses/model";
import { useTempSqlite } from "../harness/temp-store";

const temp = useTempSqlite("courses");

let courses: Courses;
/** Who may edit a course is the shipped policies' answer, asked of a real engine. */
const engine = new PolicyEngine(POLICY_SCHEMA);
engine.load(SHIPPED_POLICIES, 1);
const editor = (principal: Principal): Editor => ({
  ...principal,
  mayEdit: (c) =>
    engine.decide({
      principal: principalEntity(principal),
      action: "courses.edit",
      resource: {
        type: "Course",
        id: c.id,
        attrs: { instructorId: c.instructorId, status: c.status },
      },
    }).decision === "allow",
});
const teacher = editor({ id: "t1", roles: ["customer", "instructor"] });
const otherTeacher = editor({ id: "t2", roles: ["instructor"] });
const admin = editor({ id: "a1", roles: ["admin"] });
let n = 0;

beforeEach(async () => {
  courses = await temp.store().repository<CourseDoc>("courses", COURSE_INDEXES);
});

const course = (prerequisites: string[] = []) =>
  createCourse(courses, teacher, {
    slug: `c-${++n}`,
    title: "T",
    summary: "",
    description: "",
    level: "beginner",
    language: "en",
    category: "c",
    price: 0,
    currency: "USD",
    prerequisites,
    sequential: false,
  });

describe("course rules", () => {
  test("When a course is made without a slug, then one is made from its title, unique among courses", async () => {
    expect(slugFrom("Plant Physiology: Água & Luz!")).toBe("plant-physiology-agua-luz");
    expect(slugFrom("¿¡!?")).toBe("course");
    expect(slugFrom("word ".repeat(100)).length).toBeLessThanOrEqual(73);
    const { slug: _slug, ...untitled } = {
      slug: "",
      title: "Soil Chemistry",
      summary: "",
      description: "",
      level: "beginner" as const,
      language: "en",
      category: "c",
      price: 0,
      currency: "USD",
      prerequisites: [],
      sequential: false,
    };
    const first = await createCourse(courses, teacher, untitled);
    const second = await createCourse(courses, teacher, untitled);
    expect(first.slug).toBe("soil-chemistry");
    expect(second.slug).toMatch(/^soil-chemistry-[0-9a-f]{6}$/);
  });

  test("When prerequisites would loop back through three courses, then the loop is refused; a chain is not", async () => {
    const a = await course();
    const b = await course([a.id]);
    const c = await course([b.id]);
    await expect(assertPrerequisites(courses, a.id, [c.id])).rejects.toMatchObject({
      code: 422,
      data: [{ field: "prerequisites", type: "cycle" }],
    });
    await expect(assertPrerequisites(courses, c.id, [a.id, b.id])).resolves.toBeUndefined();
    await expect(assertPrerequisites(courses, a.id, ["crs_missing"])).rejects.toMatchObject({
      data: [{ type: "unknownCourse" }],
    });
  });

  test("When someone other than its instructor or an admin reaches a course, then it is not found", async () => {
    const mine = await course();
    expect(editable(mine, teacher).id).toBe(mine.id);
    expect(editable(mine, admin).id).toBe(mine.id);
    expect(() => editable(mine, otherTeacher)).toThrow(/not found/);
    expect(() => editable(mine, editor({ id: "t1", roles: ["customer"] }))).toThrow(/not found/);
  });

  test("When a lesson's kind changes, then its content must change with it", async () => {
    const c = await course();
    const { moduleId } = await addModule(courses, teacher, c.id, "M");
    const { lesson } = await addLesson(courses, teacher, moduleId, {
      title: "L",
      kind: "text",
      body: "words",
    });
    await expect(
      updateLesson(courses, teacher, lesson.id, { kind: "video" }),
    ).rejects.toMatchObject({ code: 422, data: [{ field: "videoUrl" }] });
    const { lesson: video } = await updateLesson(courses, teacher, lesson.id, {
      kind: "video",
      videoUrl: "https://v.example/1",
    });
    expect(video).toEqual({
      id: lesson.id,
      title: "L",
      kind: "video",
      durationMinutes: 0,
      videoUrl: "https://v.example/1",
    });
  });

  test("When an outline is reordered, then every module and lesson must appear once, and a good order is kept", async () => {
    const c = await course();
    const m1 = (await addModule(courses, teacher, c.id, "One")).moduleId;
    const m2 = (await addModule(courses, teacher, c.id, "Two")).moduleId;
    const l1 = (await addLesson(courses, teacher, m1, { title: "a", kind: "text", body: "a" }))
      .lesson.id;
    const l2 = (await addLesson(courses, teacher, m2, { title: "b", kind: "text", body: "b" }))
      .lesson.id;
    for (const bad of [
      [{ id: m1, lessons: [l1, l2] }],
      [
        { id: m1, lessons: [l1] },
        { id: m2, lessons: [l1] },
      ],
      [
        { id: m2, lessons: [l2] },
        { id: m2, lessons: [l1] },
      ],
    ])
      await expect(reorderOutline(courses, teacher, c.id, bad)).rejects.toMatchObject({
        code: 422,
      });
    const moved = await reorderOutline(courses, teacher, c.id, [
      { id: m2, lessons: [l2, l1] },
      { id: m1, lessons: [] },
    ]);
    expect(moved.modules.map((m) => [m.id, m.lessons.map((l) => l.id)])).toEqual([
      [m2, [l2, l1]],
      [m1, []],
    ]);
    expect(moved.lessonIds).toEqual([l2, l1]);
  });

  test("When a twin completion read the enrolment before the course was complete, then it tells nothing again", async () => {
    const enrolments = await temp.store().repository<EnrolmentDoc>("enrolments", ENROLMENT_INDEXES);
    const c = await course();
    const { moduleId } = await addModule(courses, teacher, c.id, "M");
    const last = (
      await addLesson(courses, teacher, moduleId, { title: "a", kind: "text", body: "a" })
    ).lesson.id;
    const learner: Principal = { id: "u1", roles: ["customer"] };
    const before = await grant(enrolments, c.id, learner.id);
    // The twin read the enrolment with the lesson done and the course not yet complete.
    const stale = { ...before, completed: { [last]: "then" } };
    const first = await completeLesson(courses, enrolments, learner, last);
    expect(first.told).toBe(2);
    const twinView: typeof enrolments = Object.create(enrolments);
    twinView.findById = async () => stale;
    const twin = await completeLesson(courses, twinView, learner, last);
    expect(twin.told).toBe(0);
    const events = pendingEvents((await enrolments.findById(before.id))!);
    expect(events.map((e) => e.type).sort()).toEqual([
      "courses.completed",
      "courses.lesson_completed",
    ]);
  });

  test("When an order's cancellation arrives before its confirmation, then the late confirmation enrols nobody; a later order does", async () => {
    const enrolments = await temp.store().repository<EnrolmentDoc>("enrolments", ENROLMENT_INDEXES);
    const c = await course();
    const order = (orderId: string) => ({
      orderId,
      userId: "u2",
      status: "CANCELLED" as const,
      items: [
        {
          productId: `course-${c.id}`,
          sku: "S",
          name: "N",
          quantity: 1,
          unitPrice: 0,
          lineTotal: 0,
        },
      ],
      total: 0,
      currency: "USD",
      createdAt: "",
    });
    await revokeForOrder(enrolments, order("o1"));
    await enrolFromOrder(courses, enrolments, order("o1"));
    const id = `${c.id}:u2`;
    expect((await enrolments.findById(id))?.active).toBe(false);

    await enrolFromOrder(courses, enrolments, order("o2"));
    expect(await enrolments.findById(id)).toMatchObject({ active: true, orderId: "o2" });
    // o1's cancellation told again takes nothing from o2.
    await revokeForOrder(enrolments, order("o1"));
    expect((await enrolments.findById(id))?.active).toBe(true);
    await revokeForOrder(enrolments, order("o2"));
    await enrolFromOrder(courses, enrolments, order("o2"));
    expect((await enrolments.findById(id))?.active).toBe(false);
  });
});
