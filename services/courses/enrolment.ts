import { Channel, type ChannelEvent, type OrderMoved } from "../../contracts/channels";
import { CourseStatus } from "../../contracts/courses";
import { ShopError } from "../../contracts/errors";
import type { Principal } from "../../contracts/users";
import { conflict, ErrorType, notFound } from "../../platform/actions/errors";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { withEvents } from "../../platform/messaging/outbox";
import {
  enrolmentId,
  type CourseDoc,
  type Courses,
  type EnrolmentDoc,
  type Enrolments,
} from "./model";
import { courseIdOfProduct } from "./publishing";

/** The prerequisites of `course` that `userId` has not completed (in an active enrolment). */
export async function unmetPrerequisites(
  enrolments: Enrolments,
  course: CourseDoc,
  userId: string,
): Promise<string[]> {
  if (course.prerequisites.length === 0) return [];
  const held = await enrolments.find({
    id: { $in: course.prerequisites.map((id) => enrolmentId(id, userId)) },
  });
  const done = new Set(held.filter((e) => e.active && e.completedAt).map((e) => e.courseId));
  return course.prerequisites.filter((id) => !done.has(id));
}

function prerequisitesNotMet(unmet: string[]) {
  const error = conflict(
    ShopError.PREREQUISITES_NOT_MET,
    "Complete this course's prerequisites first",
  );
  error.data = { prerequisites: unmet };
  return error;
}

/**
 * Enrols a learner, once: a second grant finds the first. A revoked enrolment bought again is
 * active again, under the order that bought it now; its progress is kept. The order whose
 * cancellation revoked it (or left a tombstone, arriving first) never brings it back.
 */
export async function grant(
  enrolments: Enrolments,
  courseId: string,
  userId: string,
  orderId?: string,
): Promise<EnrolmentDoc> {
  const id = enrolmentId(courseId, userId);
  const now = new Date().toISOString();
  const made = await insertIfAbsent(enrolments, {
    id,
    courseId,
    userId,
    ...(orderId ? { orderId } : {}),
    active: true,
    completed: {},
    outboxPending: 0,
    createdAt: now,
    updatedAt: now,
  });
  if (made) return made;
  const held = (await enrolments.findById(id))!;
  if (held.active || (orderId !== undefined && held.orderId === orderId)) return held;
  const again = await enrolments.findOneAndUpdate(
    { id, active: false, updatedAt: held.updatedAt },
    { $set: { active: true, ...(orderId ? { orderId } : {}), updatedAt: now } },
  );
  return again ?? (await enrolments.findById(id))!;
}

/** `POST /courses/:id/enrol`: a free, published course whose prerequisites are complete. */
export async function enrolFree(
  courses: Courses,
  enrolments: Enrolments,
  caller: Principal,
  courseId: string,
): Promise<{ course: CourseDoc; enrolment: EnrolmentDoc }> {
  const course = await courses.findById(courseId);
  if (!course || course.status !== CourseStatus.PUBLISHED) throw notFound("Course");
  if (course.price > 0)
    throw conflict(ErrorType.INVALID_STATE, "This course is sold: order its product instead");
  const unmet = await unmetPrerequisites(enrolments, course, caller.id);
  if (unmet.length) throw prerequisitesNotMet(unmet);
  return { course, enrolment: await grant(enrolments, course.id, caller.id) };
}

/**
 * Asked by orders before a basket with courses is charged: every course must be new to this
 * learner and open to them (prerequisites complete), or the order is refused before any money
 * moves.
 */
export async function admit(
  courses: Courses,
  enrolments: Enrolments,
  userId: string,
  productIds: string[],
): Promise<void> {
  const ids = productIds.map(courseIdOfProduct).filter((id): id is string => id !== undefined);
  const held = await enrolments.find({
    id: { $in: ids.map((id) => enrolmentId(id, userId)) },
    active: true,
  });
  if (held.length) {
    const error = conflict(
      ShopError.ALREADY_ENROLLED,
      "You already hold this course: it is not charged again",
    );
    error.data = { courses: held.map((e) => e.courseId) };
    throw error;
  }
  const found = await courses.find({ id: { $in: ids } });
  const unmet = (
    await Promise.all(found.map((course) => unmetPrerequisites(enrolments, course, userId)))
  ).flat();
  if (unmet.length) throw prerequisitesNotMet([...new Set(unmet)]);
}

/** A confirmed order enrols its buyer in every course it bought; again, it changes nothing. */
export async function enrolFromOrder(
  courses: Courses,
  enrolments: Enrolments,
  order: OrderMoved,
): Promise<number> {
  const ids = (order.items ?? [])
    .map((line) => courseIdOfProduct(line.productId))
    .filter((id): id is string => id !== undefined);
  if (ids.length === 0) return 0;
  const known = await courses.find({ id: { $in: ids } });
  for (const course of known) await grant(enrolments, course.id, order.userId, order.orderId);
  return known.length;
}

/**
 * A cancelled order takes back the enrolments it granted, and only those. Its cancellation may
 * arrive before its confirmation (a redelivery, another consumer): then it leaves a revoked
 * enrolment under this order, which that late confirmation cannot bring back.
 */
export async function revokeForOrder(enrolments: Enrolments, order: OrderMoved): Promise<number> {
  const now = new Date().toISOString();
  let revoked = 0;
  for (const line of order.items ?? []) {
    const courseId = courseIdOfProduct(line.productId);
    if (!courseId) continue;
    const id = enrolmentId(courseId, order.userId);
    // Told in the same write, so a learner's live classes let them go (classroom).
    const told: ChannelEvent = {
      type: Channel.COURSES_ENROLMENT_REVOKED,
      data: { userId: order.userId, courseId, orderId: order.orderId, revokedAt: now },
    };
    revoked += await enrolments.updateOne(
      { id, orderId: order.orderId, active: true },
      withEvents({ $set: { active: false, updatedAt: now } }, [told]),
    );
    await insertIfAbsent(enrolments, {
      id,
      courseId,
      userId: order.userId,
      orderId: order.orderId,
      active: false,
      completed: {},
      outboxPending: 0,
      createdAt: now,
      updatedAt: now,
    });
  }
  return revoked;
}
