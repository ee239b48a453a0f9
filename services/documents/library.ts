import { newId } from "../../platform/actions/ids";
import type { Readable } from "node:stream";
import { DocumentsError, DocumentStatus } from "../../contracts/documents";
import type { Principal } from "../../contracts/users";
import { isAdmin } from "../../platform/actions/access";
import { conflict, notFound, payloadTooLarge, unprocessable } from "../../platform/actions/errors";
import { BlobTooLarge, type BlobStore } from "../../platform/data/blob-store";
import { displayName } from "./chunks";
import { extractPages, type ExtractLimits } from "./extraction";
import type { DocumentDoc, Documents } from "./model";
import { assertPdfHead, PdfRefused } from "./pdf-safety";

/** Pages read at upload to tell a text layer from none; the rest are read in the background. */
export const PAGES_CHECKED_AT_UPLOAD = 5;

export interface UploadDeps {
  documents: Documents;
  blobs: BlobStore;
  limits: ExtractLimits & { maxBytes: number; perUser: number; idleMs: number };
}

export const newDocumentId = () => newId("doc");

/**
 * Keeps an upload as a new document, `uploaded`, once its bytes are a PDF that opens, is not
 * encrypted, has no more pages than allowed and has text on its first pages. Anything else is
 * refused with its reason and nothing is kept.
 */
export async function upload(
  deps: UploadDeps,
  caller: Principal,
  source: Readable,
  rawName: unknown,
): Promise<DocumentDoc> {
  const { documents, blobs, limits } = deps;
  const kept = { ownerId: caller.id, status: { $ne: DocumentStatus.REMOVED } };
  if ((await documents.count(kept)) >= limits.perUser) {
    source.resume();
    throw conflict(
      DocumentsError.DOCUMENT_LIMIT_REACHED,
      `You keep ${limits.perUser} documents already; remove one first`,
    );
  }
  const id = newDocumentId();
  let size: number;
  try {
    ({ size } = await blobs.put(id, source, {
      maxBytes: limits.maxBytes,
      idleMs: limits.idleMs,
      inspect: assertPdfHead,
      headBytes: 8,
    }));
  } catch (err) {
    source.resume();
    throw refusalOf(err, limits.maxBytes);
  }
  let numPages: number;
  try {
    const file = (await blobs.read(id)) ?? Buffer.alloc(0);
    const first = await extractPages(file, limits, PAGES_CHECKED_AT_UPLOAD);
    if (!first.pages.some((page) => page.trim()))
      throw new PdfRefused(
        DocumentsError.PDF_NO_TEXT,
        "This PDF has no text layer (a scan?): run it through OCR first",
      );
    numPages = first.numPages;
  } catch (err) {
    await blobs.remove(id);
    throw refusalOf(err, limits.maxBytes);
  }
  const now = new Date().toISOString();
  return documents.insert({
    id,
    ownerId: caller.id,
    name: displayName(rawName),
    size,
    pages: numPages,
    status: DocumentStatus.UPLOADED,
    chunks: 0,
    courseIds: [],
    createdAt: now,
    updatedAt: now,
    attempts: 0,
  });
}

function refusalOf(err: unknown, maxBytes: number): Error {
  if (err instanceof PdfRefused) return unprocessable(err.reason, err.message);
  if (err instanceof BlobTooLarge || (err as Error).name === "PayloadTooLarge")
    return payloadTooLarge(`A document is at most ${Math.round(maxBytes / 1048576)} MB`);
  if (isCutShort(err))
    return unprocessable(
      DocumentsError.UPLOAD_INCOMPLETE,
      "The upload stopped before the file ended",
    );
  return err as Error;
}

const isCutShort = (err: unknown) =>
  ["ERR_STREAM_PREMATURE_CLOSE", "ECONNRESET", "UPLOAD_IDLE"].includes(
    (err as NodeJS.ErrnoException).code ?? "",
  ) || /unexpected end/i.test((err as Error).message ?? "");

/** Who reads a document: its owner, admins, and those who learn or teach a course using it. */
export async function readable(
  documents: Documents,
  caller: Principal,
  id: string,
  studies: (courseIds: string[]) => Promise<string[]>,
): Promise<DocumentDoc> {
  const doc = await documents.findById(id);
  if (!doc || doc.status === DocumentStatus.REMOVED) throw notFound("Document");
  if (doc.ownerId === caller.id || isAdmin(caller)) return doc;
  if (doc.courseIds.length && (await studies(doc.courseIds)).length) return doc;
  // Anyone else learns nothing, not even that it exists.
  throw notFound("Document");
}

/** Only the owner (or an admin) removes a document; its learners only read it. */
export function assertOwner(doc: DocumentDoc, caller: Principal): void {
  if (doc.ownerId !== caller.id && !isAdmin(caller)) throw notFound("Document");
}

export function assertReady(doc: DocumentDoc): void {
  if (doc.status !== DocumentStatus.READY)
    throw conflict(
      DocumentsError.DOCUMENT_NOT_READY,
      doc.status === DocumentStatus.FAILED
        ? `This document could not be read: ${doc.failure}`
        : "This document is still being read; try again shortly",
    );
}
