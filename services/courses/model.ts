import type { Repository } from "../../platform/data/repository";
import type { IndexSpec } from "../../platform/data/repository";
import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  number,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";
import { idRule } from "../../platform/actions/ids";
import {
  COURSE_LEVELS,
  CourseStatus,
  LessonKind,
  type CourseView,
  type LessonOutline,
} from "../../contracts/courses";
import { ShopError } from "../../contracts/errors";
import type { OutboxDoc } from "../../platform/messaging/outbox";
import { Channel, type ChannelEvent } from "../../contracts/channels";
import { allOptional } from "../../platform/actions/validator";

export interface LessonDoc extends LessonOutline {
  /** Markdown, for a text lesson. */
  body?: string;
  videoUrl?: string;
  documentId?: string;
  /** A quiz lesson: the quiz, and the percentage that passes it (and completes the lesson). */
  quizId?: string;
  passPercent?: number;
}

export interface ModuleDoc {
  id: string;
  title: string;
  lessons: LessonDoc[];
}

/** The stored course: what a learner sees, with full lessons and the ids that find them. */
export interface CourseDoc extends Omit<CourseView, "modules">, OutboxDoc {
  modules: ModuleDoc[];
  /** Every module's and lesson's id, so one is found by its own id (`/lessons/:id`). */
  moduleIds: string[];
  lessonIds: string[];
}

export type Courses = Repository<CourseDoc>;

export const COURSE_INDEXES: IndexSpec[] = [
  { fields: ["outboxPending"], range: "number" },
  {
    fields: ["slug"],
    unique: true,
    conflict: { type: ShopError.SLUG_TAKEN, message: "A course with this slug exists" },
  },
  { fields: ["instructorId"] },
  { fields: ["status", "createdAt"] },
  { fields: ["moduleIds"], list: true },
  { fields: ["lessonIds"], list: true },
];

/** What a course write tells: the course as it now is, for the search index. */
export function courseChanged(
  doc: CourseDoc,
): Extract<ChannelEvent, { type: typeof Channel.COURSES_COURSE_CHANGED }> {
  return {
    type: Channel.COURSES_COURSE_CHANGED,
    data: {
      id: doc.id,
      slug: doc.slug,
      title: doc.title,
      summary: doc.summary,
      description: doc.description,
      category: doc.category,
      level: doc.level,
      price: doc.price,
      currency: doc.currency,
      status: doc.status,
      instructorId: doc.instructorId,
      ...(doc.productId ? { productId: doc.productId } : {}),
      lessons: doc.modules.flatMap((m) => m.lessons.map(({ id, title }) => ({ id, title }))),
      updatedAt: doc.updatedAt,
    },
  };
}

export function toCourseView(doc: CourseDoc): CourseView {
  const {
    moduleIds: _m,
    lessonIds: _l,
    modules,
    outbox: _o,
    outboxPending: _p,
    effects: _e,
    effectsPending: _ep,
    ...course
  } = doc;
  return {
    ...course,
    modules: modules.map((module) => ({
      id: module.id,
      title: module.title,
      lessons: module.lessons.map(({ id, title, kind, durationMinutes }) => ({
        id,
        title,
        kind,
        durationMinutes,
      })),
    })),
  };
}

const LESSON_OUTLINE_FIELDS = {
  id: string,
  title: string,
  kind: oneOf(Object.values(LessonKind)),
  durationMinutes: integer,
};
const LESSON_STATE_FIELDS = {
  locked: { ...boolean, description: "For an enrolled caller: not open yet (a sequential course)" },
  completed: { ...boolean, description: "For an enrolled caller: done" },
};

export const COURSE_SHAPE = object(
  {
    id: string,
    slug: string,
    title: string,
    summary: string,
    description: string,
    level: oneOf(COURSE_LEVELS),
    language: string,
    category: string,
    price: { ...integer, description: "In minor units; 0 is a free course" },
    currency: string,
    instructorId: string,
    status: oneOf(Object.values(CourseStatus)),
    prerequisites: arrayOf(string),
    sequential: { ...boolean, description: "A lesson opens when the one before it is complete" },
    productId: { ...string, description: "The course's product in the catalog, once published" },
    modules: arrayOf(
      object(
        {
          id: string,
          title: string,
          lessons: arrayOf(
            object(
              { ...LESSON_OUTLINE_FIELDS, ...LESSON_STATE_FIELDS },
              ["locked", "completed"],
              "LessonOutline",
            ),
          ),
        },
        [],
        "ModuleOutline",
      ),
    ),
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  ["productId"],
  "Course",
);

/** A module as added: where it belongs, its title, and its lessons (none yet). */
export const MODULE_SHAPE = object(
  { id: string, courseId: string, title: string, lessons: arrayOf(string) },
  [],
  "Module",
);

export const LESSON_SHAPE = object(
  {
    ...LESSON_OUTLINE_FIELDS,
    courseId: string,
    moduleId: string,
    body: { ...string, description: "Markdown, for a text lesson" },
    videoUrl: string,
    documentId: string,
    quizId: string,
    passPercent: number,
  },
  ["body", "videoUrl", "documentId", "quizId", "passPercent"],
  "Lesson",
);

const MAX_MINOR_UNITS = 100_000_000_00;
const title = { type: "string", trim: true, min: 1, max: 200 } as const;

export const courseFields = {
  slug: { type: "string", max: 80, pattern: /^[a-z0-9]+(?:-[a-z0-9]+)*$/ },
  title,
  summary: { type: "string", trim: true, max: 500 },
  description: { type: "string", trim: true, max: 20_000 },
  level: { type: "enum", values: [...COURSE_LEVELS] },
  language: { type: "string", max: 12, pattern: /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$/ },
  category: { type: "string", trim: true, min: 1, max: 64 },
  price: { type: "number", integer: true, min: 0, max: MAX_MINOR_UNITS },
  currency: { type: "string", max: 3, pattern: /^[A-Z]{3}$/ },
  prerequisites: { type: "array", max: 20, unique: true, items: idRule },
  sequential: { type: "boolean" },
} as const;

export type NewCourse = Pick<
  CourseView,
  | "slug"
  | "title"
  | "summary"
  | "description"
  | "level"
  | "language"
  | "category"
  | "price"
  | "currency"
  | "prerequisites"
  | "sequential"
>;

export const createCourseParams = {
  $$strict: true,
  ...courseFields,
  /** Made from the title when left out (`slugFrom`). */
  slug: { ...courseFields.slug, optional: true },
  summary: { ...courseFields.summary, optional: true, default: "" },
  description: { ...courseFields.description, optional: true, default: "" },
  level: { ...courseFields.level, optional: true, default: "beginner" },
  language: { ...courseFields.language, optional: true, default: "en" },
  price: { ...courseFields.price, optional: true, default: 0 },
  currency: { ...courseFields.currency, optional: true, default: "USD" },
  prerequisites: { ...courseFields.prerequisites, optional: true, default: [] },
  sequential: { ...courseFields.sequential, optional: true, default: false },
};

export const updateCourseParams = {
  $$strict: true,
  id: idRule,
  ...allOptional(courseFields),
};

export const lessonFields = {
  title,
  kind: { type: "enum", values: Object.values(LessonKind) },
  body: { type: "string", max: 100_000, optional: true },
  videoUrl: { type: "string", max: 2000, pattern: /^https?:\/\/\S+$/, optional: true },
  documentId: { ...idRule, optional: true },
  quizId: { ...idRule, optional: true },
  passPercent: { type: "number", min: 0, max: 100, optional: true },
  durationMinutes: { type: "number", integer: true, min: 0, max: 10_000, optional: true },
} as const;

export type LessonInput = {
  title: string;
  kind: LessonKind;
  body?: string;
  videoUrl?: string;
  documentId?: string;
  quizId?: string;
  passPercent?: number;
  durationMinutes?: number;
};

/** One learner in one course: `<courseId>:<userId>`, so enrolling twice finds the first. */
export interface EnrolmentDoc extends OutboxDoc {
  id: string;
  courseId: string;
  userId: string;
  /** The order that granted it; none for a free course. */
  orderId?: string;
  active: boolean;
  /** Lesson id → when it was completed: the key is its own dedupe mark. */
  completed: Record<string, string>;
  completedAt?: string;
  certificateId?: string;
  createdAt: string;
  updatedAt: string;
}

export type Enrolments = Repository<EnrolmentDoc>;

export const enrolmentId = (courseId: string, userId: string) => `${courseId}:${userId}`;

export const ENROLMENT_INDEXES: IndexSpec[] = [
  { fields: ["outboxPending"], range: "number" },
  { fields: ["userId", "createdAt"] },
  { fields: ["certificateId"] },
  { fields: ["courseId", "active"] },
];

export const ENROLMENT_SHAPE = object(
  {
    courseId: string,
    userId: string,
    orderId: string,
    active: boolean,
    completedLessons: integer,
    totalLessons: integer,
    percent: { ...integer, description: "Lessons of the current outline completed, 0–100" },
    completedAt: dateTime,
    certificateId: string,
    enrolledAt: dateTime,
  },
  ["orderId", "completedAt", "certificateId"],
  "Enrolment",
);

export const CERTIFICATE_SHAPE = object(
  { id: string, courseId: string, courseTitle: string, holderName: string, completedAt: dateTime },
  [],
  "Certificate",
);
