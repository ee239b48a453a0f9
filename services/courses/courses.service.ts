import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import { asOperator, callerOf, type Ctx } from "../../platform/actions/access";
import { settingsOf } from "../../platform/runtime/settings-of";
import { randomBytes } from "node:crypto";
import { seedDemoCourses } from "./demo-seed";
import { idRule, optionalIdRule } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { call, provide } from "../../platform/actions/typed-call";
import { pageParams, keysetParams, pageAfter } from "../../platform/data/pagination";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { PolicyClientMixin, policyAllows } from "../../mixins/policy-client.mixin";
import type { Editor } from "./ownership";
import { consumes, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import { Channel } from "../../contracts/channels";
import { Action } from "../../contracts/actions";
import type { Listing } from "../../contracts/catalog";
import { CourseStatus } from "../../contracts/courses";
import { DocumentsAction } from "../../contracts/documents";
import { QuizzesAction } from "../../contracts/quizzes";
import { createCourse, updateCourse } from "./authoring";
import {
  courseChanged,
  CERTIFICATE_SHAPE,
  COURSE_INDEXES,
  COURSE_SHAPE,
  MODULE_SHAPE,
  ENROLMENT_INDEXES,
  ENROLMENT_SHAPE,
  type EnrolmentDoc,
  createCourseParams,
  LESSON_SHAPE,
  lessonFields,
  toCourseView,
  updateCourseParams,
  type CourseDoc,
  type LessonInput,
  type NewCourse,
} from "./model";
import {
  addLesson,
  addModule,
  findLesson,
  reorderOutline,
  updateLesson,
  type Attach,
} from "./outline";
import { admit, enrolFree, enrolFromOrder, revokeForOrder } from "./enrolment";
import { completeByQuiz, completeLesson, toEnrolmentView } from "./progress";
import { archiveCourse, listingOf, publishCourse } from "./publishing";
import {
  certificateOf,
  courseFor,
  coursesOf,
  coursesStudiedBy,
  enrolmentsOf,
  learnersOf,
  lessonFor,
  progressOf,
  publishedCourses,
} from "./reading";
import { allOptional } from "../../platform/actions/validator";

type CoursesThis = DbService<{ courses: CourseDoc; enrolments: EnrolmentDoc }> & RelayService;

/** The caller as an editor of courses: the policies decide which they may change. */
const editorOf = (self: CoursesThis, ctx: Ctx<object>): Editor => ({
  ...callerOf(ctx),
  mayEdit: (course) =>
    policyAllows(self.broker, ctx, "courses.edit", {
      type: "Course",
      id: course.id,
      attrs: { instructorId: course.instructorId, status: course.status },
    }),
});

/** Puts a course's product on sale through the catalog, as the caller. */
const listingsThrough = (ctx: Ctx<object>) => (listing: Listing) =>
  call(ctx, Action.catalog.putListing, listing);

/** What a lesson names, vouched for by its own service and opened to the course's learners. */
const attachThrough = (ctx: Ctx<object>): Attach => ({
  document: (documentId, course) =>
    call(ctx, DocumentsAction.attachToCourse, {
      documentId,
      courseId: course.id,
      instructorId: course.instructorId,
    }),
  quiz: (quizId, course) =>
    call(ctx, QuizzesAction.attachToCourse, {
      quizId,
      courseId: course.id,
      instructorId: course.instructorId,
    }),
});

function wakeRelay(this: CoursesThis, _ctx: unknown, answer: unknown) {
  this.outboxRelay.wake();
  return answer;
}

const DEMO_INSTRUCTOR = { email: "instructor@example.com", name: "Demo instructor" };

async function seedOnStart(service: CoursesThis): Promise<void> {
  const { broker } = service;
  await broker.waitForServices(["users", "catalog"], 60_000);
  if ((await service.repos.courses.count({})) > 0) return;
  const password = randomBytes(12).toString("base64url");
  const { user } = await call(broker, Action.users.register, { ...DEMO_INSTRUCTOR, password });
  await broker.call(
    Action.users.setRoles,
    { id: user.id, roles: ["customer", "instructor"] },
    asOperator("demo-seed"),
  );
  await broker.call(Action.courses.seed, { instructorId: user.id });
  service.logger.info(
    `Demo courses seeded, taught by ${DEMO_INSTRUCTOR.email} (password ${password}, said once).`,
  );
}

/** A confirmed order enrols its buyer in the courses it bought; a cancelled one takes them back. */
const enrolments = consumes(
  [Channel.ORDERS_CONFIRMED, Channel.ORDERS_CANCELLED, Channel.QUIZZES_GRADED],
  "courses",
  async function (message) {
    const self = this as unknown as CoursesThis;
    if (message.type === Channel.ORDERS_CONFIRMED)
      await enrolFromOrder(self.repos.courses, self.repos.enrolments, message.data);
    else if (message.type === Channel.ORDERS_CANCELLED) {
      if ((await revokeForOrder(self.repos.enrolments, message.data)) > 0) self.outboxRelay.wake();
    } else if (await completeByQuiz(self.repos.courses, self.repos.enrolments, message.data))
      self.outboxRelay.wake();
  },
);

const moduleTitle = { type: "string", trim: true, min: 1, max: 200 } as const;

const CoursesService: ServiceSchema<ServiceSettingSchema, CoursesThis> = {
  name: "courses",
  mixins: [
    DbMixin({ courses: COURSE_INDEXES, enrolments: ENROLMENT_INDEXES }),
    ConsumerMixin,
    OutboxRelayMixin(["enrolments", "courses"]),
    PolicyClientMixin,
    HealthMixin,
  ],

  hooks: {
    // A course write carries its `courses.course_changed` event: publish it now, not at the
    // next relay pass.
    after: Object.fromEntries(
      [
        "create",
        "update",
        "publish",
        "archive",
        "addModule",
        "addLesson",
        "updateLesson",
        "reorder",
      ].map((name) => [name, wakeRelay]),
    ),
  },

  actions: {
    create: {
      openapi: {
        summary: "Start a course (instructors and admins): a draft until it is published",
        status: 201,
        response: COURSE_SHAPE,
        errors: [403, 409],
      },
      params: createCourseParams,
      async handler(this: CoursesThis, ctx: Ctx<NewCourse>) {
        const course = await createCourse(this.repos.courses, callerOf(ctx), ctx.params);
        ctx.meta.$created = course.id;
        return toCourseView(course);
      },
    },

    update: {
      openapi: {
        summary: "Change a course you teach; a published one's product follows",
        response: COURSE_SHAPE,
        errors: [409],
      },
      params: updateCourseParams,
      async handler(this: CoursesThis, ctx: Ctx<Partial<NewCourse> & { id: string }>) {
        const { id, ...changes } = ctx.params;
        const course = await updateCourse(this.repos.courses, editorOf(this, ctx), id, changes);
        if (course.status === CourseStatus.PUBLISHED)
          await listingsThrough(ctx)(listingOf(course, true));
        return toCourseView(course);
      },
    },

    publish: {
      openapi: {
        summary: "Publish a course: its product goes on sale (asking again changes nothing)",
        response: COURSE_SHAPE,
        errors: [409],
      },
      params: { $$strict: true, id: idRule },
      async handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        const put = listingsThrough(ctx);
        const course = await publishCourse(
          this.repos.courses,
          put,
          editorOf(this, ctx),
          ctx.params.id,
        );
        return toCourseView(course);
      },
    },

    archive: {
      openapi: {
        summary: "Archive a course: its product comes off sale; enrolled learners keep it",
        response: COURSE_SHAPE,
      },
      params: { $$strict: true, id: idRule },
      async handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        const put = listingsThrough(ctx);
        const course = await archiveCourse(
          this.repos.courses,
          put,
          editorOf(this, ctx),
          ctx.params.id,
        );
        return toCourseView(course);
      },
    },

    addModule: {
      openapi: {
        summary: "Add a module at the end of a course",
        description:
          "Answers the new module (`lessons` are its lesson ids, none yet); `Location` is its course, whose outline lists it.",
        status: 201,
        response: MODULE_SHAPE,
      },
      params: { $$strict: true, id: idRule, title: moduleTitle },
      async handler(this: CoursesThis, ctx: Ctx<{ id: string; title: string }>) {
        const { course, moduleId } = await addModule(
          this.repos.courses,
          editorOf(this, ctx),
          ctx.params.id,
          ctx.params.title,
        );
        ctx.meta.$created = moduleId;
        return { id: moduleId, courseId: course.id, title: ctx.params.title, lessons: [] };
      },
    },

    addLesson: {
      openapi: {
        summary: "Add a lesson at the end of a module",
        description:
          "A `text` lesson has a markdown `body`, a `video` lesson a `videoUrl`, a `document` lesson a `documentId` (a ready document you may read; the course's learners may then read it), a `quiz` lesson a `quizId` (a quiz you made; passing it at `passPercent`, 70 by default, completes the lesson).",
        status: 201,
        response: LESSON_SHAPE,
      },
      params: { $$strict: true, id: idRule, ...lessonFields },
      async handler(this: CoursesThis, ctx: Ctx<LessonInput & { id: string }>) {
        const { id, ...input } = ctx.params;
        const { course, lesson } = await addLesson(
          this.repos.courses,
          editorOf(this, ctx),
          id,
          input,
          attachThrough(ctx),
        );
        ctx.meta.$created = lesson.id;
        return { ...lesson, courseId: course.id, moduleId: id };
      },
    },

    updateLesson: {
      openapi: { summary: "Change a lesson", response: LESSON_SHAPE },
      params: {
        $$strict: true,
        id: idRule,
        ...allOptional(lessonFields),
      },
      async handler(this: CoursesThis, ctx: Ctx<Partial<LessonInput> & { id: string }>) {
        const { id, ...changes } = ctx.params;
        const { course, lesson } = await updateLesson(
          this.repos.courses,
          editorOf(this, ctx),
          id,
          changes,
          attachThrough(ctx),
        );
        const moduleId = findLesson(course, id)!.module.id;
        return { ...lesson, courseId: course.id, moduleId };
      },
    },

    reorder: {
      openapi: {
        summary: "Put a course's modules and lessons in a new order",
        description: "Every module and lesson of the course, each once: nothing is added or lost.",
        response: COURSE_SHAPE,
      },
      params: {
        $$strict: true,
        id: idRule,
        modules: {
          type: "array",
          max: 100,
          items: {
            type: "object",
            strict: true,
            props: { id: idRule, lessons: { type: "array", max: 500, items: idRule } },
          },
        },
      },
      async handler(
        this: CoursesThis,
        ctx: Ctx<{ id: string; modules: { id: string; lessons: string[] }[] }>,
      ) {
        const course = await reorderOutline(
          this.repos.courses,
          editorOf(this, ctx),
          ctx.params.id,
          ctx.params.modules,
        );
        return toCourseView(course);
      },
    },

    list: {
      openapi: { summary: "Published courses, newest first", response: pageOf(COURSE_SHAPE) },
      access: "public",
      params: {
        $$strict: "remove",
        category: { type: "string", trim: true, max: 64, optional: true },
        instructorId: { ...idRule, optional: true },
        ...pageParams,
      },
      handler(
        this: CoursesThis,
        ctx: Ctx<{ category?: string; instructorId?: string; page: number; pageSize: number }>,
      ) {
        return publishedCourses(this.repos, ctx.params);
      },
    },

    get: {
      openapi: {
        summary: "A course and its outline (titles and durations, never lesson bodies)",
        response: COURSE_SHAPE,
      },
      access: "public",
      params: { $$strict: true, id: idRule },
      handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        return courseFor(this.repos, ctx.params.id, ctx.meta.user ?? undefined);
      },
    },

    getLesson: {
      openapi: {
        summary:
          "A lesson's content: for enrolled learners once it is open, its instructor, admins",
        response: LESSON_SHAPE,
        errors: [409],
      },
      params: { $$strict: true, id: idRule },
      handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        return lessonFor(this.repos, callerOf(ctx), ctx.params.id);
      },
    },

    enrol: {
      openapi: {
        summary: "Enrol in a free course (a paid one is bought through POST /orders)",
        response: ENROLMENT_SHAPE,
        errors: [409],
      },
      params: { $$strict: true, id: idRule },
      async handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        const { course, enrolment } = await enrolFree(
          this.repos.courses,
          this.repos.enrolments,
          callerOf(ctx),
          ctx.params.id,
        );
        return toEnrolmentView(enrolment, course);
      },
    },

    /** Orders asks before charging a basket with courses: refused unless each is open to the buyer. */
    admit: provide(Action.courses.admit, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: {
        $$strict: true,
        userId: idRule,
        productIds: { type: "array", min: 1, max: 100, items: idRule },
      },
      async handler(this: CoursesThis, ctx) {
        const { userId, productIds } = ctx.params;
        await admit(this.repos.courses, this.repos.enrolments, userId, productIds);
        return { admitted: true as const };
      },
    }),

    completeLesson: {
      openapi: {
        summary: "Mark a lesson complete (asking again changes nothing)",
        response: ENROLMENT_SHAPE,
        errors: [409],
      },
      params: { $$strict: true, id: idRule },
      async handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        const { course, enrolment, told } = await completeLesson(
          this.repos.courses,
          this.repos.enrolments,
          callerOf(ctx),
          ctx.params.id,
        );
        if (told) this.outboxRelay.wake();
        return toEnrolmentView(enrolment, course);
      },
    },

    myEnrolments: {
      openapi: { summary: "The courses you are enrolled in", response: pageOf(ENROLMENT_SHAPE) },
      params: { $$strict: "remove", ...pageParams },
      handler(this: CoursesThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        return enrolmentsOf(this.repos, callerOf(ctx), ctx.params);
      },
    },

    myProgress: {
      openapi: { summary: "Your progress in one course", response: ENROLMENT_SHAPE },
      params: { $$strict: true, id: idRule },
      handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        return progressOf(this.repos, callerOf(ctx), ctx.params.id);
      },
    },

    /** Anyone may check a certificate by its id; the answer is read from the store, never the link. */
    certificate: {
      openapi: { summary: "Verify a course completion certificate", response: CERTIFICATE_SHAPE },
      access: "public",
      params: { $$strict: true, id: { type: "string", max: 64, pattern: /^cert_[0-9a-f]{32}$/ } },
      handler(this: CoursesThis, ctx: Ctx<{ id: string }>) {
        const nameOf = async (userId: string) =>
          (await call(ctx, Action.users.contactOf, { userId }))?.name;
        return certificateOf(this.repos, ctx.params.id, nameOf);
      },
    },
    studiedBy: provide(Action.courses.studiedBy, {
      visibility: "public",
      params: {
        $$strict: true,
        userId: idRule,
        courseIds: { type: "array", items: idRule, max: 100 },
      },
      handler(this: CoursesThis, ctx) {
        return coursesStudiedBy(this.repos, ctx.params.userId, ctx.params.courseIds);
      },
    }),

    instructorOf: provide(Action.courses.instructorOf, {
      visibility: "public",
      params: { $$strict: true, courseId: idRule },
      async handler(this: CoursesThis, ctx) {
        return (await this.repos.courses.findById(ctx.params.courseId))?.instructorId ?? null;
      },
    }),

    learnersOf: provide(Action.courses.learnersOf, {
      visibility: "public",
      params: {
        $$strict: true,
        courseId: idRule,
        after: optionalIdRule,
        limit: { type: "number", integer: true, min: 1, max: 1000 },
      },
      handler(this: CoursesThis, ctx) {
        const { courseId, after, limit } = ctx.params;
        return learnersOf(this.repos.enrolments, courseId, after, limit);
      },
    }),

    coursesOf: provide(Action.courses.coursesOf, {
      visibility: "public",
      params: { $$strict: true, userId: idRule },
      handler(this: CoursesThis, ctx) {
        return coursesOf(this.repos, ctx.params.userId);
      },
    }),

    /** Every course, drafts too, by id: how the search index is rebuilt from the courses. */
    indexPage: provide(Action.courses.indexPage, {
      visibility: "public",
      params: keysetParams,
      async handler(this: CoursesThis, ctx) {
        const page = await pageAfter(this.repos.courses, ctx.params);
        return page.map((course) => courseChanged(course).data);
      },
    }),

    /** The demo courses, taught by an existing instructor: `npm run seed` and `SEED_DEMO_CATALOG`. */
    seed: provide(Action.courses.seed, {
      visibility: "public",
      params: { $$strict: true, instructorId: idRule },
      async handler(this: CoursesThis, ctx) {
        const put = listingsThrough(ctx);
        const instructor = { id: ctx.params.instructorId, roles: ["instructor" as const] };
        return { seeded: await seedDemoCourses(this.repos.courses, put, instructor) };
      },
    }),
  } satisfies Actions,

  /**
   * With SEED_DEMO_CATALOG, a store without courses gets the demo courses and their instructor
   * (`instructor@example.com`, a random password said once in the log), once users and the
   * catalog answer; in the background, so the node's start does not wait on other services.
   */
  started(this: CoursesThis) {
    if (!settingsOf(this.broker).seedDemoCatalog) return;
    void seedOnStart(this).catch((err: Error) =>
      this.logger.warn("Demo courses not seeded:", err.message),
    );
  },

  channels: enrolments,
};

export default CoursesService;
