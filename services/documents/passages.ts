import { DocumentStatus, type PassagesAnswer, type PassagesAsk } from "../../contracts/documents";
import type { Principal } from "../../contracts/users";
import { isAdmin } from "../../platform/actions/access";
import { notFound } from "../../platform/actions/errors";
import { assertReady, readable } from "./library";
import type { Chunks, DocumentDoc, Documents } from "./model";

export type Studies = (courseIds: string[]) => Promise<string[]>;

/**
 * The chunks of the documents a reader names (each readable and ready), or of every ready
 * document of a course they learn or teach, in document order.
 */
export async function passagesFor(
  documents: Documents,
  chunks: Chunks,
  ask: PassagesAsk,
  studies: Studies,
): Promise<PassagesAnswer> {
  const reader = ask.reader as Principal;
  let docs: DocumentDoc[];
  if (ask.courseId !== undefined) {
    if (!isAdmin(reader) && !(await studies([ask.courseId])).includes(ask.courseId))
      throw notFound("Course");
    docs = await documents.find({ courseIds: ask.courseId, status: DocumentStatus.READY });
  } else {
    docs = [];
    for (const id of ask.documentIds ?? []) {
      const doc = await readable(documents, reader, id, studies);
      assertReady(doc);
      docs.push(doc);
    }
  }
  const passages: PassagesAnswer["passages"] = [];
  for (const doc of docs)
    for (const chunk of await chunks.find({ documentId: doc.id }, { sort: { index: 1 } }))
      passages.push({
        documentId: doc.id,
        documentName: doc.name,
        page: chunk.page,
        index: chunk.index,
        start: chunk.start,
        end: chunk.end,
        text: chunk.text,
      });
  return { documents: docs.map((d) => ({ id: d.id, name: d.name, pages: d.pages })), passages };
}
