import type { CourseListed } from "../../contracts/channels";
import type { DocumentIndexEntry } from "../../contracts/documents";
import type { ProductView } from "../../contracts/catalog";
import { CourseStatus } from "../../contracts/courses";
import { SearchKind } from "../../contracts/search";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import type { SearchDoc, SearchDocs } from "./model";

type Told = Omit<SearchDoc, "syncedAt">;

/** A product as it is found; a course's product is found as its course (`foundAs`). */
export function fromProduct(product: ProductView): Told[] {
  return [
    {
      ...(product.kind === "course" ? { foundAs: "course" as const } : {}),
      id: `${SearchKind.PRODUCT}:${product.id}`,
      kind: SearchKind.PRODUCT,
      refId: product.id,
      title: product.name,
      summary: product.description,
      category: product.category,
      sku: product.sku,
      price: product.price,
      currency: product.currency,
      visible: product.active,
      sourceUpdatedAt: product.updatedAt,
    },
  ];
}

/** A course and its lessons (titles only; a lesson's body is for its learners). */
export function fromCourse(course: CourseListed): Told[] {
  const visible = course.status === CourseStatus.PUBLISHED;
  return [
    {
      id: `${SearchKind.COURSE}:${course.id}`,
      kind: SearchKind.COURSE,
      refId: course.id,
      title: course.title,
      summary: [course.summary, course.description].filter(Boolean).join(" "),
      category: course.category,
      price: course.price,
      currency: course.currency,
      ...(course.productId ? { productId: course.productId } : {}),
      visible,
      sourceUpdatedAt: course.updatedAt,
    },
    ...course.lessons.map((lesson) => ({
      id: `${SearchKind.LESSON}:${lesson.id}`,
      kind: SearchKind.LESSON,
      refId: lesson.id,
      title: lesson.title,
      summary: course.title,
      category: course.category,
      courseId: course.id,
      visible,
      sourceUpdatedAt: course.updatedAt,
    })),
  ];
}

/**
 * Writes what a message told, unless the store already holds a newer telling: messages may
 * arrive late or twice. Returns how many documents changed.
 */
export async function store(docs: SearchDocs, told: Told[]): Promise<number> {
  let changed = 0;
  for (const doc of told) {
    const written = { ...doc, syncedAt: new Date().toISOString() };
    if (await insertIfAbsent(docs, written)) changed++;
    else {
      const { id, ...fields } = written;
      changed += await docs.updateOne(
        { id, sourceUpdatedAt: { $lt: doc.sourceUpdatedAt } },
        { $set: fields },
      );
    }
  }
  return changed;
}

/** Lessons a course no longer has are no longer found (kept hidden, in case a late message). */
export async function hideRemovedLessons(docs: SearchDocs, course: CourseListed): Promise<number> {
  const current = new Set(course.lessons.map((l) => `${SearchKind.LESSON}:${l.id}`));
  const held = await docs.find({ courseId: course.id });
  let hidden = 0;
  for (const doc of held)
    if (!current.has(doc.id) && doc.visible)
      hidden += await docs.updateOne(
        { id: doc.id, sourceUpdatedAt: { $lt: course.updatedAt } },
        {
          $set: {
            visible: false,
            sourceUpdatedAt: course.updatedAt,
            syncedAt: new Date().toISOString(),
          },
        },
      );
  return hidden;
}

/**
 * A study document's chunks, each a hidden passage its readers find: its owner and the learners
 * and teachers of the courses that use it. Gone or unreadable, it is forgotten (`forgetPassages`).
 */
export function fromStudyDocument(entry: DocumentIndexEntry): Told[] {
  const { document, passages } = entry;
  const readers = [`user:${document.ownerId}`, ...document.courseIds.map((c) => `course:${c}`)];
  return passages.map((passage) => ({
    id: `${SearchKind.PASSAGE}:${document.id}-${passage.index}`,
    kind: SearchKind.PASSAGE,
    refId: document.id,
    title: `${document.name}, page ${passage.page}`,
    summary: passage.text,
    category: "document",
    page: passage.page,
    visible: false,
    readers,
    sourceUpdatedAt: document.updatedAt,
  }));
}

/** Passages of a document that it no longer holds (or no longer is) lose their words and readers. */
export async function forgetPassages(
  docs: SearchDocs,
  documentId: string,
  keep: Set<string>,
  updatedAt: string,
): Promise<number> {
  let forgotten = 0;
  for (const doc of await docs.find({ refId: documentId, kind: SearchKind.PASSAGE }))
    if (!keep.has(doc.id) && (doc.readers?.length || doc.summary))
      forgotten += await docs.updateOne(
        { id: doc.id, sourceUpdatedAt: { $lte: updatedAt } },
        {
          $set: {
            summary: "",
            readers: [],
            sourceUpdatedAt: updatedAt,
            syncedAt: new Date().toISOString(),
          },
        },
      );
  return forgotten;
}
