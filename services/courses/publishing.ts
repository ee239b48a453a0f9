import type { Listing } from "../../contracts/catalog";
import { CourseStatus } from "../../contracts/courses";
import { conflict, ErrorType } from "../../platform/actions/errors";
import { courseChanged, type CourseDoc, type Courses } from "./model";
import { withEvents } from "../../platform/messaging/outbox";
import { editable, type Editor } from "./ownership";

/** The catalog's id for a course's product: the same every time, so publishing is idempotent. */
export const productIdOf = (courseId: string) => `course-${courseId}`;

/** What a course puts on sale: its product, named and priced from the course. */
export function listingOf(course: CourseDoc, active: boolean): Listing {
  return {
    id: productIdOf(course.id),
    sku: `COURSE-${course.slug.toUpperCase()}`.slice(0, 64),
    name: course.title,
    description: course.summary,
    price: course.price,
    currency: course.currency,
    category: course.category,
    active,
    kind: "course",
  };
}

export type PutListing = (listing: Listing) => Promise<unknown>;

/**
 * Puts the course's product on sale (made or updated, under one id), then marks the course
 * published. Asked again, or after a crash between the two, it does the same and ends the same.
 */
export async function publishCourse(
  courses: Courses,
  putListing: PutListing,
  caller: Editor,
  id: string,
): Promise<CourseDoc> {
  const course = editable(await courses.findById(id), caller);
  if (course.lessonIds.length === 0)
    throw conflict(ErrorType.INVALID_STATE, "A course needs at least one lesson to be published");
  await putListing(listingOf(course, true));
  return moveCourse(courses, course, {
    status: CourseStatus.PUBLISHED,
    productId: productIdOf(id),
  });
}

/** Takes the course's product off sale and the course out of the listing; learners keep it. */
export async function archiveCourse(
  courses: Courses,
  putListing: PutListing,
  caller: Editor,
  id: string,
): Promise<CourseDoc> {
  const course = editable(await courses.findById(id), caller);
  if (course.productId) await putListing(listingOf(course, false));
  return moveCourse(courses, course, { status: CourseStatus.ARCHIVED });
}

/** Writes a course's new status, and tells it, if nobody changed the course since its read. */
async function moveCourse(
  courses: Courses,
  course: CourseDoc,
  changes: Partial<CourseDoc>,
): Promise<CourseDoc> {
  const $set = { ...changes, updatedAt: new Date().toISOString() };
  const moved = await courses.findOneAndUpdate(
    { id: course.id, updatedAt: course.updatedAt },
    withEvents({ $set }, [courseChanged({ ...course, ...$set })]),
  );
  if (!moved) throw conflict(ErrorType.INVALID_STATE, "The course changed meanwhile; try again");
  return moved;
}

/** The course a catalog product sells, when it is a course's product. */
export function courseIdOfProduct(productId: string): string | undefined {
  return productId.startsWith("course-") ? productId.slice("course-".length) : undefined;
}
