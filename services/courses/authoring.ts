import { randomBytes } from "node:crypto";
import type { Principal } from "../../contracts/users";
import { CourseStatus } from "../../contracts/courses";
import { conflict, ErrorType, hasType, invalid } from "../../platform/actions/errors";
import { ShopError } from "../../contracts/errors";
import { newId as newPlatformId } from "../../platform/actions/ids";
import { courseChanged, type CourseDoc, type Courses, type NewCourse } from "./model";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import { assertMayTeach, editable, type Editor } from "./ownership";

/** Course, module and lesson ids: the platform's, eight random bytes long as they always were. */
export const newId = (prefix: string) => newPlatformId(prefix, 8);

const SLUG_MAX = 80;

/** A course's address made from its title: "Plant Physiology: Água" is `plant-physiology-agua`. */
export function slugFrom(title: string): string {
  const words = title
    .slice(0, 400)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = "";
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > SLUG_MAX - 7) break;
    slug = next;
  }
  return slug || "course";
}

/**
 * Prerequisites must name courses that exist, and following them from `courseId` must never
 * come back to it: a cycle would lock every course in it for good.
 */
export async function assertPrerequisites(
  courses: Courses,
  courseId: string,
  prerequisites: string[],
): Promise<void> {
  if (prerequisites.includes(courseId))
    throw invalid([
      { field: "prerequisites", message: "A course cannot require itself", type: "cycle" },
    ]);
  const seen = new Set<string>();
  let frontier = prerequisites;
  let first = true;
  while (frontier.length > 0) {
    const found = await courses.find({ id: { $in: frontier } });
    if (first && found.length !== frontier.length) {
      const known = new Set(found.map((c) => c.id));
      const unknown = frontier.filter((id) => !known.has(id));
      throw invalid([
        {
          field: "prerequisites",
          message: `No such course: ${unknown.join(", ")}`,
          type: "unknownCourse",
        },
      ]);
    }
    first = false;
    const next: string[] = [];
    for (const course of found)
      for (const id of course.prerequisites) {
        if (id === courseId)
          throw invalid([
            {
              field: "prerequisites",
              message: `Requiring ${course.id} would make a cycle back to this course`,
              type: "cycle",
            },
          ]);
        if (!seen.has(id)) {
          seen.add(id);
          next.push(id);
        }
      }
    frontier = next;
  }
}

export async function createCourse(
  courses: Courses,
  caller: Principal,
  input: Omit<NewCourse, "slug"> & { slug?: string },
): Promise<CourseDoc> {
  assertMayTeach(caller);
  const id = newId("crs");
  await assertPrerequisites(courses, id, input.prerequisites);
  if (input.slug !== undefined)
    return insertCourse(courses, caller, id, { ...input, slug: input.slug });
  // A slug made from the title that another course holds gets a short suffix: the author never
  // meets a conflict over an address they did not choose.
  const made = slugFrom(input.title);
  const suffixed = () => `${made}-${randomBytes(3).toString("hex")}`;
  const tries = [made, suffixed(), suffixed()];
  for (const [i, slug] of tries.entries())
    try {
      return await insertCourse(courses, caller, id, { ...input, slug });
    } catch (err) {
      if (!hasType(err, ShopError.SLUG_TAKEN) || i === tries.length - 1) throw err;
    }
  throw conflict(ShopError.SLUG_TAKEN, "A course with this slug exists");
}

function insertCourse(
  courses: Courses,
  caller: Principal,
  id: string,
  input: NewCourse,
): Promise<CourseDoc> {
  const now = new Date().toISOString();
  const doc: CourseDoc = {
    ...input,
    id,
    instructorId: caller.id,
    status: CourseStatus.DRAFT,
    modules: [],
    moduleIds: [],
    lessonIds: [],
    createdAt: now,
    updatedAt: now,
  };
  return courses.insert({ ...doc, ...withNewEvents([courseChanged(doc)]) });
}

export async function updateCourse(
  courses: Courses,
  caller: Editor,
  id: string,
  changes: Partial<NewCourse>,
): Promise<CourseDoc> {
  const course = editable(await courses.findById(id), caller);
  if (Object.keys(changes).length === 0)
    throw invalid([{ field: "title", message: "Nothing to change", type: "required" }]);
  if (
    course.status === CourseStatus.ARCHIVED &&
    (changes.price !== undefined || changes.currency !== undefined)
  )
    throw conflict(ErrorType.INVALID_STATE, "An archived course's price cannot change");
  if (changes.prerequisites) await assertPrerequisites(courses, id, changes.prerequisites);
  const $set = { ...changes, updatedAt: new Date().toISOString() };
  const updated = await courses.findOneAndUpdate(
    { id, updatedAt: course.updatedAt },
    withEvents({ $set }, [courseChanged({ ...course, ...$set })]),
  );
  if (!updated) throw conflict(ErrorType.INVALID_STATE, "The course changed meanwhile; try again");
  return updated;
}
