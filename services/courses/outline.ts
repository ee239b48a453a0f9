import { conflict, ErrorType, invalid, notFound } from "../../platform/actions/errors";
import {
  courseChanged,
  type CourseDoc,
  type Courses,
  type LessonDoc,
  type LessonInput,
  type ModuleDoc,
} from "./model";
import { withEvents } from "../../platform/messaging/outbox";
import { editable, type Editor } from "./ownership";
import { newId } from "./authoring";

export const MAX_MODULES = 100;
export const MAX_LESSONS = 500;

/**
 * Writes a changed outline, with the ids that find a module or a lesson. The write holds only
 * if nobody changed the course since it was read, so two edits never lose one another.
 */
async function saveOutline(
  courses: Courses,
  course: CourseDoc,
  modules: ModuleDoc[],
): Promise<CourseDoc> {
  const $set = {
    modules,
    moduleIds: modules.map((m) => m.id),
    lessonIds: modules.flatMap((m) => m.lessons.map((l) => l.id)),
    updatedAt: new Date().toISOString(),
  };
  const updated = await courses.findOneAndUpdate(
    { id: course.id, updatedAt: course.updatedAt },
    withEvents({ $set }, [courseChanged({ ...course, ...$set })]),
  );
  if (!updated) throw conflict(ErrorType.INVALID_STATE, "The course changed meanwhile; try again");
  return updated;
}

const CONTENT_FIELDS = ["body", "videoUrl", "documentId", "quizId", "passPercent"] as const;
type ContentField = (typeof CONTENT_FIELDS)[number];
const CONTENT_OF: Record<LessonInput["kind"], { needs: ContentField; may?: ContentField }> = {
  text: { needs: "body" },
  video: { needs: "videoUrl" },
  document: { needs: "documentId" },
  quiz: { needs: "quizId", may: "passPercent" },
};

/** A lesson's content must be what its kind says, and nothing else. */
function lessonContent(kind: LessonInput["kind"], input: Partial<LessonInput>) {
  const { needs, may } = CONTENT_OF[kind];
  if (input[needs] === undefined)
    throw invalid([{ field: needs, message: `A ${kind} lesson needs ${needs}`, type: "required" }]);
  for (const other of CONTENT_FIELDS)
    if (other !== needs && other !== may && input[other] !== undefined)
      throw invalid([
        { field: other, message: `A ${kind} lesson has no ${other}`, type: "forbidden" },
      ]);
  return {
    [needs]: input[needs],
    ...(may && input[may] !== undefined ? { [may]: input[may] } : {}),
  };
}

export async function addModule(
  courses: Courses,
  caller: Editor,
  courseId: string,
  title: string,
): Promise<{ course: CourseDoc; moduleId: string }> {
  const course = editable(await courses.findById(courseId), caller);
  if (course.modules.length >= MAX_MODULES)
    throw invalid([{ field: "title", message: "A course has at most 100 modules", type: "max" }]);
  const moduleId = newId("mod");
  const modules = [...course.modules, { id: moduleId, title, lessons: [] }];
  return { course: await saveOutline(courses, course, modules), moduleId };
}

/**
 * Vouches that what a lesson names (a ready document the course's instructor may read, a quiz
 * they may give) exists, and opens it to the course's learners: the documents and quizzes
 * services' calls. Refuses otherwise.
 */
export interface Attach {
  document(documentId: string, course: CourseDoc): Promise<unknown>;
  quiz(quizId: string, course: CourseDoc): Promise<unknown>;
}

const refuse = (field: string) => () =>
  Promise.reject(invalid([{ field, message: `No ${field} can be vouched for here`, type: field }]));

/** Where no service vouches (the demo courses, rules run alone): nothing named is accepted. */
export const attachNothing: Attach = { document: refuse("documentId"), quiz: refuse("quizId") };

async function attachNamed(attach: Attach, lesson: Partial<LessonInput>, course: CourseDoc) {
  if (lesson.kind === "document" && lesson.documentId)
    await attach.document(lesson.documentId, course);
  if (lesson.kind === "quiz" && lesson.quizId) await attach.quiz(lesson.quizId, course);
}

export async function addLesson(
  courses: Courses,
  caller: Editor,
  moduleId: string,
  input: LessonInput,
  attach: Attach = attachNothing,
): Promise<{ course: CourseDoc; lesson: LessonDoc }> {
  const course = editable(await courses.findOne({ moduleIds: moduleId }), caller, "Module");
  if (course.lessonIds.length >= MAX_LESSONS)
    throw invalid([{ field: "title", message: "A course has at most 500 lessons", type: "max" }]);
  await attachNamed(attach, input, course);
  const lesson: LessonDoc = {
    id: newId("lsn"),
    title: input.title,
    kind: input.kind,
    durationMinutes: input.durationMinutes ?? 0,
    ...lessonContent(input.kind, input),
  };
  const modules = course.modules.map((m) =>
    m.id === moduleId ? { ...m, lessons: [...m.lessons, lesson] } : m,
  );
  return { course: await saveOutline(courses, course, modules), lesson };
}

export async function updateLesson(
  courses: Courses,
  caller: Editor,
  lessonId: string,
  changes: Partial<LessonInput>,
  attach: Attach = attachNothing,
): Promise<{ course: CourseDoc; lesson: LessonDoc }> {
  const course = editable(await courses.findOne({ lessonIds: lessonId }), caller, "Lesson");
  if (Object.keys(changes).length === 0)
    throw invalid([{ field: "title", message: "Nothing to change", type: "required" }]);
  const before = findLesson(course, lessonId)?.lesson;
  let changed: LessonDoc | undefined;
  const modules = course.modules.map((m) => ({
    ...m,
    lessons: m.lessons.map((lesson) => {
      if (lesson.id !== lessonId) return lesson;
      const kind = changes.kind ?? lesson.kind;
      const content =
        changes.kind !== undefined ||
        changes.body !== undefined ||
        changes.videoUrl !== undefined ||
        changes.documentId !== undefined ||
        changes.quizId !== undefined ||
        changes.passPercent !== undefined
          ? lessonContent(kind, {
              ...(kind === lesson.kind ? contentOf(lesson) : {}),
              ...pick(changes),
            })
          : contentOf(lesson);
      changed = {
        id: lesson.id,
        title: changes.title ?? lesson.title,
        kind,
        durationMinutes: changes.durationMinutes ?? lesson.durationMinutes,
        ...content,
      };
      return changed;
    }),
  }));
  if (!changed) throw notFound("Lesson");
  if (changed.documentId !== before?.documentId || changed.quizId !== before?.quizId)
    await attachNamed(attach, changed, course);
  return { course: await saveOutline(courses, course, modules), lesson: changed };
}

const contentOf = (lesson: LessonDoc) => pick(lesson);
function pick(from: Partial<LessonInput>) {
  const out: Partial<LessonInput> = {};
  if (from.body !== undefined) out.body = from.body;
  if (from.videoUrl !== undefined) out.videoUrl = from.videoUrl;
  if (from.documentId !== undefined) out.documentId = from.documentId;
  if (from.quizId !== undefined) out.quizId = from.quizId;
  if (from.passPercent !== undefined) out.passPercent = from.passPercent;
  return out;
}

/**
 * A new order for the outline: every module and every lesson of the course exactly once. An
 * id from another course, a missing one or a repeat is refused, and nothing moves.
 */
export async function reorderOutline(
  courses: Courses,
  caller: Editor,
  courseId: string,
  order: { id: string; lessons: string[] }[],
): Promise<CourseDoc> {
  const course = editable(await courses.findById(courseId), caller);
  const modulesById = new Map(course.modules.map((m) => [m.id, m]));
  const lessonsById = new Map(course.modules.flatMap((m) => m.lessons.map((l) => [l.id, l])));
  const moduleIds = order.map((m) => m.id);
  const lessonIds = order.flatMap((m) => m.lessons);
  const sameSet = (given: string[], known: Map<string, unknown>) =>
    given.length === known.size &&
    new Set(given).size === given.length &&
    given.every((id) => known.has(id));
  if (!sameSet(moduleIds, modulesById))
    throw invalid([
      {
        field: "modules",
        message: "Name every module of this course once, and no other",
        type: "outline",
      },
    ]);
  if (!sameSet(lessonIds, lessonsById))
    throw invalid([
      {
        field: "modules.lessons",
        message: "Name every lesson of this course once, and no other",
        type: "outline",
      },
    ]);
  const modules = order.map((m) => ({
    ...modulesById.get(m.id)!,
    lessons: m.lessons.map((id) => lessonsById.get(id)!),
  }));
  return saveOutline(courses, course, modules);
}

/** Where a lesson sits: its module and itself, or nothing. */
export function findLesson(
  course: CourseDoc,
  lessonId: string,
): { module: ModuleDoc; lesson: LessonDoc } | undefined {
  for (const module of course.modules) {
    const lesson = module.lessons.find((l) => l.id === lessonId);
    if (lesson) return { module, lesson };
  }
  return undefined;
}
