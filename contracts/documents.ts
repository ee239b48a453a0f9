/**
 * The documents service's contract: study material uploaded as PDF, read into pages and
 * chunks that the quizzes and the tutor work from.
 */
export const DocumentsAction = {
  upload: "documents.upload",
  list: "documents.list",
  get: "documents.get",
  page: "documents.page",
  remove: "documents.remove",
  passages: "documents.passages",
  indexOf: "documents.indexOf",
  indexPage: "documents.indexPage",
  attachToCourse: "documents.attachToCourse",
} as const;

/** Why an upload is refused (422, nothing kept) or why processing ended `failed`. */
export const DocumentsError = {
  NOT_A_PDF: "NOT_A_PDF",
  PDF_ENCRYPTED: "PDF_ENCRYPTED",
  PDF_CORRUPT: "PDF_CORRUPT",
  PDF_NO_TEXT: "PDF_NO_TEXT",
  PDF_TOO_MANY_PAGES: "PDF_TOO_MANY_PAGES",
  PDF_TOO_COMPLEX: "PDF_TOO_COMPLEX",
  UPLOAD_INCOMPLETE: "UPLOAD_INCOMPLETE",
  DOCUMENT_NOT_READY: "DOCUMENT_NOT_READY",
  DOCUMENT_LIMIT_REACHED: "DOCUMENT_LIMIT_REACHED",
} as const;
export type DocumentRefusal = (typeof DocumentsError)[keyof typeof DocumentsError];

export const DocumentStatus = {
  UPLOADED: "uploaded",
  PROCESSING: "processing",
  READY: "ready",
  FAILED: "failed",
  /** Removed by its owner: kept as a mark so the search forgets it too, never shown. */
  REMOVED: "removed",
} as const;
export type DocumentStatus = (typeof DocumentStatus)[keyof typeof DocumentStatus];

export interface DocumentView {
  id: string;
  name: string;
  size: number;
  pages: number;
  status: DocumentStatus;
  /** Why processing failed, when it did. */
  failure?: string;
  chunks: number;
  /** Courses that use it as a lesson: their learners may read it. */
  courseIds: string[];
  createdAt: string;
  processedAt?: string;
}

/** A few sentences of one page, where they sit in the page's text. */
export interface Passage {
  documentId: string;
  documentName: string;
  page: number;
  /** Position of the chunk in the document, from 0. */
  index: number;
  start: number;
  end: number;
  text: string;
}

/**
 * `documents.processed`: a document is ready to quiz and to ask about, or failed; told again
 * when who may read it changes (a course took it) and when it is removed.
 */
export interface DocumentProcessed {
  documentId: string;
  ownerId: string;
  status: "ready" | "failed" | "removed";
  failure?: string;
  pages: number;
  chunks: number;
}

/** Whose passages, of which documents: named ones, or every ready document of a course. */
export interface PassagesAsk {
  reader: { id: string; roles: string[] };
  documentIds?: string[];
  courseId?: string;
}

export interface PassagesAnswer {
  documents: { id: string; name: string; pages: number }[];
  passages: Passage[];
}

/** A document as the search indexes it: who may read it, and its chunks. */
export interface DocumentIndexEntry {
  document: {
    id: string;
    name: string;
    ownerId: string;
    courseIds: string[];
    status: DocumentStatus;
    updatedAt: string;
  };
  passages: Passage[];
}
