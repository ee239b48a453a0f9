import type { Principal } from "../../contracts/users";
import { forbidden, notFound } from "../../platform/actions/errors";
import { isAdmin } from "../../platform/actions/access";
import type { CourseDoc } from "./model";

/** Who may write courses at all: instructors and admins. */
export function assertMayTeach(caller: Principal): void {
  if (!isAdmin(caller) && !caller.roles.includes("instructor"))
    throw forbidden("Only instructors and admins manage courses");
}

/**
 * A course the caller may change: an admin any, an instructor their own. Another instructor's
 * course is not found, as another user's order is: its existence is not theirs to learn.
 */
export function editable(
  course: CourseDoc | null,
  caller: Principal,
  /** What the caller named: a module or a lesson is "not found" as itself, not as its course. */
  named: "Course" | "Module" | "Lesson" = "Course",
): CourseDoc {
  if (!course) throw notFound(named);
  if (isAdmin(caller)) return course;
  if (caller.roles.includes("instructor") && course.instructorId === caller.id) return course;
  throw notFound(named);
}

/** Whether the caller sees a course's drafts and lesson bodies as its author. */
export function isAuthor(course: CourseDoc, caller: Principal | null | undefined): boolean {
  return !!caller && (isAdmin(caller) || course.instructorId === caller.id);
}
