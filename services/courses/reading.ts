import { CourseStatus } from "../../contracts/courses";
import { ShopError } from "../../contracts/errors";
import type { Principal } from "../../platform/actions/access";
import { conflict, notFound } from "../../platform/actions/errors";
import type { Repository } from "../../platform/data/repository";
import { findPage } from "../../platform/data/pagination";
import {
  enrolmentId,
  toCourseView,
  type CourseDoc,
  type EnrolmentDoc,
  type Enrolments,
} from "./model";
import { findLesson } from "./outline";
import { isAuthor } from "./ownership";
import { enrolledLesson, lessonStates, toEnrolmentView, withLessonStates } from "./progress";

/** What reading courses needs: the two collections. */
export interface CourseStores {
  courses: Repository<CourseDoc>;
  enrolments: Repository<EnrolmentDoc>;
}

/** Published courses, newest first, by category or instructor. */
export function publishedCourses(
  stores: CourseStores,
  query: { category?: string; instructorId?: string; page: number; pageSize: number },
) {
  const { category, instructorId, ...page } = query;
  const filter: Record<string, unknown> = { status: CourseStatus.PUBLISHED };
  if (category) filter.category = category;
  if (instructorId) filter.instructorId = instructorId;
  return findPage(stores.courses, filter, { ...page, sort: { createdAt: -1 } }, toCourseView);
}

/**
 * A course as its reader may see it: a draft only by its author (anyone else is told it does not
 * exist), and an enrolled learner sees which lessons are open and done.
 */
export async function courseFor(stores: CourseStores, id: string, caller: Principal | undefined) {
  const course = await stores.courses.findById(id);
  if (!course) throw notFound("Course");
  if (course.status !== CourseStatus.PUBLISHED && !isAuthor(course, caller))
    throw notFound("Course");
  const enrolment = caller
    ? await stores.enrolments.findById(enrolmentId(course.id, caller.id))
    : null;
  if (!enrolment?.active) return toCourseView(course);
  return withLessonStates(toCourseView(course), lessonStates(course, enrolment));
}

/** A lesson's content: for its course's author, or an enrolled learner once it is open. */
export async function lessonFor(stores: CourseStores, caller: Principal, id: string) {
  const authored = await stores.courses.findOne({ lessonIds: id });
  let course = authored && isAuthor(authored, caller) ? authored : undefined;
  if (!course) {
    const enrolled = await enrolledLesson(stores.courses, stores.enrolments, caller, id);
    if (enrolled.state.locked)
      throw conflict(ShopError.LESSON_LOCKED, "Complete the lesson before this one first");
    course = enrolled.course;
  }
  const found = findLesson(course, id)!;
  return { ...found.lesson, courseId: course.id, moduleId: found.module.id };
}

/** The caller's active enrolments, newest first, each with its course. */
export async function enrolmentsOf(
  stores: CourseStores,
  caller: Principal,
  request: { page: number; pageSize: number },
) {
  const page = await findPage(
    stores.enrolments,
    { userId: caller.id, active: true },
    { ...request, sort: { createdAt: -1 } },
    (doc) => doc,
  );
  const courses = await stores.courses.find({ id: { $in: page.rows.map((e) => e.courseId) } });
  const byId = new Map(courses.map((c) => [c.id, c]));
  return {
    ...page,
    rows: page.rows
      .filter((e) => byId.has(e.courseId))
      .map((e) => toEnrolmentView(e, byId.get(e.courseId)!)),
  };
}

export async function progressOf(stores: CourseStores, caller: Principal, courseId: string) {
  const [course, enrolment] = await Promise.all([
    stores.courses.findById(courseId),
    stores.enrolments.findById(enrolmentId(courseId, caller.id)),
  ]);
  if (!course || !enrolment?.active) throw notFound("Enrolment");
  return toEnrolmentView(enrolment, course);
}

/**
 * A certificate as a verifier sees it, read from the store, never from the link: the course,
 * the holder's name and when, and no internal id (a public id must not lead to a user).
 */
export async function certificateOf(
  stores: CourseStores,
  id: string,
  nameOf: (userId: string) => Promise<string | undefined>,
) {
  const enrolment = await stores.enrolments.findOne({ certificateId: id });
  if (!enrolment?.active || !enrolment.completedAt) throw notFound("Certificate");
  const course = await stores.courses.findById(enrolment.courseId);
  if (!course) throw notFound("Certificate");
  return {
    id,
    courseId: course.id,
    courseTitle: course.title,
    holderName: (await nameOf(enrolment.userId)) ?? "",
    completedAt: enrolment.completedAt,
  };
}

/** Which of these courses the user learns (an active enrolment) or teaches. */
export async function coursesStudiedBy(
  stores: CourseStores,
  userId: string,
  courseIds: string[],
): Promise<string[]> {
  const studied: string[] = [];
  for (const courseId of new Set(courseIds)) {
    const enrolment = await stores.enrolments.findById(enrolmentId(courseId, userId));
    if (enrolment?.active) studied.push(courseId);
    else if ((await stores.courses.findById(courseId))?.instructorId === userId)
      studied.push(courseId);
  }
  return studied;
}

/** Every course the user learns (an active enrolment) or teaches. */
export async function coursesOf(stores: CourseStores, userId: string): Promise<string[]> {
  const learning = await stores.enrolments.find({ userId, active: true });
  const teaching = await stores.courses.find({ instructorId: userId });
  return [...new Set([...learning.map((e) => e.courseId), ...teaching.map((c) => c.id)])];
}

/** A page of a course's learners, by user id after `after`: everyone, for a large course. */
export async function learnersOf(
  enrolments: Enrolments,
  courseId: string,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  const rows = await enrolments.find(
    { courseId, active: true, ...(after ? { id: { $gt: enrolmentId(courseId, after) } } : {}) },
    { sort: { id: 1 }, limit },
  );
  return rows.map((row) => row.userId);
}
