import type { IndexSpec, Repository } from "../../platform/data/repository";
import type { OutboxDoc } from "../../platform/messaging/outbox";
import { arrayOf, dateTime, integer, object, oneOf, string } from "../../platform/actions/openapi";
import { Channel } from "../../contracts/channels";
import {
  DocumentStatus,
  type DocumentProcessed,
  type DocumentView,
  type Passage,
} from "../../contracts/documents";

/** A document as kept: what its owner sees, and who owns it, and where its reading stands. */
export interface DocumentDoc extends OutboxDoc, DocumentView {
  ownerId: string;
  /** The name it was uploaded as, made safe to show; never a path. */
  name: string;
  /** Its last change of state or of readers: the search keeps the newest telling. */
  updatedAt: string;
  /** While processing: until when the node that took it holds it; past that, another resumes. */
  leaseUntil?: string;
  attempts: number;
}
export type Documents = Repository<DocumentDoc>;

/** A few sentences of one page: what quizzes and the tutor read. Id `<documentId>-<index>`. */
export interface ChunkDoc extends Omit<Passage, "documentName"> {
  id: string;
}
export type Chunks = Repository<ChunkDoc>;

/** One page's extracted text. Id `<documentId>-p<page>`. */
export interface PageDoc {
  id: string;
  documentId: string;
  page: number;
  text: string;
}
export type Pages = Repository<PageDoc>;

export const DOCUMENT_INDEXES: IndexSpec[] = [
  { fields: ["ownerId", "createdAt"] },
  { fields: ["status", "leaseUntil"] },
  { fields: ["courseIds"], list: true },
  { fields: ["outboxPending"], range: "number" },
];
export const CHUNK_INDEXES: IndexSpec[] = [{ fields: ["documentId", "index"] }];
export const PAGE_INDEXES: IndexSpec[] = [{ fields: ["documentId", "page"] }];

export const DOCUMENT_SHAPE = object(
  {
    id: string,
    name: string,
    size: integer,
    pages: integer,
    status: oneOf(Object.values(DocumentStatus)),
    failure: string,
    chunks: integer,
    courseIds: arrayOf(string),
    createdAt: dateTime,
    processedAt: dateTime,
  },
  ["failure", "processedAt"],
  "Document",
);

export const PAGE_SHAPE = object(
  { documentId: string, page: integer, pages: integer, text: string },
  [],
  "DocumentPageText",
);

/** The event that tells the search (and anyone else) what became of a document. */
export const processedEvent = (doc: DocumentDoc, status: DocumentProcessed["status"]) => ({
  type: Channel.DOCUMENTS_PROCESSED,
  data: {
    documentId: doc.id,
    ownerId: doc.ownerId,
    status,
    ...(doc.failure ? { failure: doc.failure } : {}),
    pages: doc.pages,
    chunks: doc.chunks,
  },
});

export const toDocumentView = (doc: DocumentDoc): DocumentView => ({
  id: doc.id,
  name: doc.name,
  size: doc.size,
  pages: doc.pages,
  status: doc.status,
  ...(doc.failure ? { failure: doc.failure } : {}),
  chunks: doc.chunks,
  courseIds: doc.courseIds,
  createdAt: doc.createdAt,
  ...(doc.processedAt ? { processedAt: doc.processedAt } : {}),
});
