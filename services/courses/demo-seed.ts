import type { Principal } from "../../contracts/users";
import type { Listing } from "../../contracts/catalog";
import { createCourse } from "./authoring";
import { DEMO_COURSES } from "./demo-courses";
import type { CourseDoc, Courses } from "./model";
import { addLesson, addModule } from "./outline";
import type { Editor } from "./ownership";
import { publishCourse } from "./publishing";

/**
 * The demo courses, taught by `instructor` and published, into a store without courses.
 * A prerequisite names a demo course by its slug, made into its id here.
 */
export async function seedDemoCourses(
  courses: Courses,
  putListing: (listing: Listing) => Promise<unknown>,
  instructor: Principal,
): Promise<number> {
  if ((await courses.count({})) > 0) return 0;
  // The seed writes only the courses it has just made, as their instructor.
  const author: Editor = {
    ...instructor,
    mayEdit: (course) => course.instructorId === instructor.id,
  };
  const bySlug = new Map<string, CourseDoc>();
  for (const demo of DEMO_COURSES) {
    const prerequisites = demo.course.prerequisites.map((slug) => bySlug.get(slug)!.id);
    const course = await createCourse(courses, instructor, { ...demo.course, prerequisites });
    for (const module of demo.modules) {
      const { moduleId } = await addModule(courses, author, course.id, module.title);
      for (const lesson of module.lessons) await addLesson(courses, author, moduleId, lesson);
    }
    bySlug.set(demo.course.slug, await publishCourse(courses, putListing, author, course.id));
  }
  return DEMO_COURSES.length;
}
