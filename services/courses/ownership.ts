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
 * A caller who changes courses, with the policies' answer to whether they may change one (by
 * the shipped set: an admin any, an instructor their own).
 */
export type Editor = Principal & { mayEdit(course: CourseDoc): boolean };

/**
 * A course the editor may change. A course they may not is not found, as another user's order
 * is: its existence is not theirs to learn.
 */
export function editable(
  course: CourseDoc | null,
  editor: Editor,
  /** What the caller named: a module or a lesson is "not found" as itself, not as its course. */
  named: "Course" | "Module" | "Lesson" = "Course",
): CourseDoc {
  if (!course) throw notFound(named);
  if (editor.mayEdit(course)) return course;
  throw notFound(named);
}

/** Whether the caller sees a course's drafts and lesson bodies as its author. */
export function isAuthor(course: CourseDoc, caller: Principal | null | undefined): boolean {
  return !!caller && (isAdmin(caller) || course.instructorId === caller.id);
}
