import { randomBytes } from "node:crypto";
import { Channel } from "../../contracts/channels";
import { LessonKind, type CourseView, type EnrolmentView } from "../../contracts/courses";
import type { QuizGraded } from "../../contracts/quizzes";
import { ShopError } from "../../contracts/errors";
import type { Principal } from "../../contracts/users";
import { conflict, ErrorType, notFound } from "../../platform/actions/errors";
import { withEvents } from "../../platform/messaging/outbox";
import {
  enrolmentId,
  type CourseDoc,
  type Courses,
  type EnrolmentDoc,
  type Enrolments,
} from "./model";
import { findLesson } from "./outline";

export interface LessonState {
  locked: boolean;
  completed: boolean;
}

/**
 * Each lesson's state for one learner, in outline order. In a sequential course a lesson opens
 * when the one before it is complete; otherwise every lesson is open.
 */
export function lessonStates(course: CourseDoc, enrolment: EnrolmentDoc): Map<string, LessonState> {
  const ordered = course.modules.flatMap((m) => m.lessons);
  const states = new Map<string, LessonState>();
  ordered.forEach((lesson, i) => {
    const before = ordered[i - 1];
    states.set(lesson.id, {
      completed: enrolment.completed[lesson.id] !== undefined,
      locked: course.sequential && before !== undefined && !enrolment.completed[before.id],
    });
  });
  return states;
}

/** The outline as an enrolled learner sees it: each lesson says whether it is open and done. */
export function withLessonStates(view: CourseView, states: Map<string, LessonState>): CourseView {
  return {
    ...view,
    modules: view.modules.map((m) => ({
      ...m,
      lessons: m.lessons.map((l) => ({ ...l, ...states.get(l.id) })),
    })),
  };
}

/** Progress against the outline as it is now: lessons removed since do not count. */
export function toEnrolmentView(enrolment: EnrolmentDoc, course: CourseDoc): EnrolmentView {
  const total = course.lessonIds.length;
  const done = course.lessonIds.filter((id) => enrolment.completed[id] !== undefined).length;
  return {
    courseId: enrolment.courseId,
    userId: enrolment.userId,
    ...(enrolment.orderId ? { orderId: enrolment.orderId } : {}),
    active: enrolment.active,
    completedLessons: done,
    totalLessons: total,
    percent: total === 0 ? 0 : Math.floor((done * 100) / total),
    ...(enrolment.completedAt
      ? { completedAt: enrolment.completedAt, certificateId: enrolment.certificateId }
      : {}),
    enrolledAt: enrolment.createdAt,
  };
}

/** The learner's active enrolment in the course that holds `lessonId`, or not found. */
export async function enrolledLesson(
  courses: Courses,
  enrolments: Enrolments,
  caller: Principal,
  lessonId: string,
): Promise<{ course: CourseDoc; enrolment: EnrolmentDoc; state: LessonState }> {
  const course = await courses.findOne({ lessonIds: lessonId });
  if (!course) throw notFound("Lesson");
  const enrolment = await enrolments.findById(enrolmentId(course.id, caller.id));
  if (!enrolment?.active) throw notFound("Lesson");
  return { course, enrolment, state: lessonStates(course, enrolment).get(lessonId)! };
}

/**
 * Completes a lesson: idempotent, refused while it is locked. The lesson's first completion
 * tells `courses.lesson_completed`; the enrolment's first full completion mints the certificate
 * and tells `courses.completed`. Both are conditional writes, so however many completions race,
 * each event is written once, in the same write as the fact it tells.
 */
export async function completeLesson(
  courses: Courses,
  enrolments: Enrolments,
  caller: Principal,
  lessonId: string,
): Promise<{ course: CourseDoc; enrolment: EnrolmentDoc; told: number }> {
  const { course, enrolment, state } = await enrolledLesson(courses, enrolments, caller, lessonId);
  if (state.locked)
    throw conflict(ShopError.LESSON_LOCKED, "Complete the lesson before this one first");
  if (findLesson(course, lessonId)?.lesson.kind === LessonKind.QUIZ)
    throw conflict(ErrorType.INVALID_STATE, "A quiz lesson is completed by passing its quiz");
  return markComplete(enrolments, caller.id, course, enrolment, lessonId);
}

/**
 * A graded attempt completes the quiz lessons that use its quiz in each course the learner is
 * enrolled in, where the lesson is open to them and the score reaches its pass mark. Safe to
 * repeat.
 */
export async function completeByQuiz(
  courses: Courses,
  enrolments: Enrolments,
  graded: QuizGraded,
): Promise<number> {
  let told = 0;
  for (const courseId of graded.courseIds) {
    const course = await courses.findById(courseId);
    const enrolment = await enrolments.findById(enrolmentId(courseId, graded.userId));
    if (!course || !enrolment?.active) continue;
    const states = lessonStates(course, enrolment);
    for (const lesson of course.modules.flatMap((m) => m.lessons))
      if (
        lesson.kind === LessonKind.QUIZ &&
        lesson.quizId === graded.quizId &&
        graded.percent >= (lesson.passPercent ?? DEFAULT_PASS_PERCENT) &&
        !states.get(lesson.id)?.locked
      ) {
        const current = (await enrolments.findById(enrolment.id))!;
        told += (await markComplete(enrolments, graded.userId, course, current, lesson.id)).told;
      }
  }
  return told;
}

/** A quiz lesson without its own pass mark is passed at this percentage. */
export const DEFAULT_PASS_PERCENT = 70;

async function markComplete(
  enrolments: Enrolments,
  userId: string,
  course: CourseDoc,
  enrolment: EnrolmentDoc,
  lessonId: string,
): Promise<{ course: CourseDoc; enrolment: EnrolmentDoc; told: number }> {
  const caller = { id: userId };
  const now = new Date().toISOString();
  const field = `completed.${lessonId}`;
  let told = 0;
  const first = await enrolments.findOneAndUpdate(
    { id: enrolment.id, active: true, [field]: { $exists: false } },
    withEvents({ $set: { [field]: now, updatedAt: now } }, [
      {
        type: Channel.COURSES_LESSON_COMPLETED,
        data: { userId: caller.id, courseId: course.id, lessonId, completedAt: now },
      },
    ]),
  );
  if (first) told++;
  let current = first ?? (await enrolments.findById(enrolment.id))!;
  const allDone = course.lessonIds.every((id) => current.completed[id] !== undefined);
  if (allDone && !current.completedAt) {
    const certificateId = `cert_${randomBytes(16).toString("hex")}`;
    const completed = await enrolments.findOneAndUpdate(
      { id: enrolment.id, completedAt: { $exists: false } },
      withEvents({ $set: { completedAt: now, certificateId, updatedAt: now } }, [
        {
          type: Channel.COURSES_COMPLETED,
          data: { userId: caller.id, courseId: course.id, certificateId, completedAt: now },
        },
      ]),
    );
    if (completed) told++;
    current = completed ?? (await enrolments.findById(enrolment.id))!;
  }
  return { course, enrolment: current, told };
}
