import { Channel } from "../../contracts/channels";
import { DocumentsError, DocumentStatus, type DocumentProcessed } from "../../contracts/documents";
import type { BlobStore } from "../../platform/data/blob-store";
import { withEvents } from "../../platform/messaging/outbox";
import { chunksOf } from "./chunks";
import { extractPages, type ExtractLimits } from "./extraction";
import type { Chunks, DocumentDoc, Documents, Pages } from "./model";
import { PdfRefused } from "./pdf-safety";

export interface ProcessingDeps {
  documents: Documents;
  chunks: Chunks;
  pages: Pages;
  blobs: BlobStore;
  limits: ExtractLimits;
}

/** A document whose reading stopped a node this often is not tried again. */
export const MAX_ATTEMPTS = 3;
const BATCH = 4;

/**
 * Reads the documents waiting to be read, and those whose reader's lease ran out (its node
 * stopped mid-way): each is taken by one node, read, cut into chunks and marked `ready`, or
 * `failed` with its reason. Rewriting pages and chunks by id makes a resumed reading safe.
 */
export async function processWaiting(deps: ProcessingDeps, now = new Date()): Promise<number> {
  const waiting = await deps.documents.find(
    {
      $or: [
        { status: DocumentStatus.UPLOADED },
        { status: DocumentStatus.PROCESSING, leaseUntil: { $lt: now.toISOString() } },
      ],
    },
    { limit: BATCH, sort: { createdAt: 1 } },
  );
  let done = 0;
  for (const doc of waiting) {
    const taken = await take(deps, doc, now);
    if (taken && (await read(deps, taken))) done++;
  }
  return done;
}

function take(deps: ProcessingDeps, doc: DocumentDoc, now: Date): Promise<DocumentDoc | null> {
  const leaseUntil = new Date(now.getTime() + deps.limits.timeoutMs * 2).toISOString();
  return deps.documents.findOneAndUpdate(
    doc.status === DocumentStatus.UPLOADED
      ? { id: doc.id, status: DocumentStatus.UPLOADED }
      : { id: doc.id, status: DocumentStatus.PROCESSING, leaseUntil: doc.leaseUntil },
    { $set: { status: DocumentStatus.PROCESSING, leaseUntil }, $inc: { attempts: 1 } },
  );
}

async function read(deps: ProcessingDeps, doc: DocumentDoc): Promise<boolean> {
  if (doc.attempts > MAX_ATTEMPTS)
    return finish(deps, doc, { failure: DocumentsError.PDF_TOO_COMPLEX, pages: doc.pages });
  const file = await deps.blobs.read(doc.id);
  if (!file) return finish(deps, doc, { failure: DocumentsError.PDF_CORRUPT, pages: doc.pages });
  let pages: string[];
  try {
    ({ pages } = await extractPages(file, deps.limits));
  } catch (err) {
    if (!(err instanceof PdfRefused)) throw err;
    return finish(deps, doc, { failure: err.reason, pages: doc.pages });
  }
  const chunks = chunksOf(doc.id, pages);
  if (!chunks.length)
    return finish(deps, doc, { failure: DocumentsError.PDF_NO_TEXT, pages: pages.length });
  for (const [i, text] of pages.entries()) {
    const page = i + 1;
    await deps.pages.upsert(
      { id: `${doc.id}-p${page}` },
      { $set: { documentId: doc.id, page, text } },
    );
  }
  for (const { id, ...chunk } of chunks) await deps.chunks.upsert({ id }, { $set: chunk });
  return finish(deps, doc, { pages: pages.length, chunks: chunks.length });
}

async function finish(
  deps: ProcessingDeps,
  doc: DocumentDoc,
  outcome: { failure?: string; pages: number; chunks?: number },
): Promise<boolean> {
  const status = outcome.failure ? DocumentStatus.FAILED : DocumentStatus.READY;
  const told: DocumentProcessed = {
    documentId: doc.id,
    ownerId: doc.ownerId,
    status,
    ...(outcome.failure ? { failure: outcome.failure } : {}),
    pages: outcome.pages,
    chunks: outcome.chunks ?? 0,
  };
  const written = await deps.documents.updateOne(
    { id: doc.id, status: DocumentStatus.PROCESSING, leaseUntil: doc.leaseUntil },
    withEvents(
      {
        $set: {
          status,
          pages: outcome.pages,
          chunks: outcome.chunks ?? 0,
          processedAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          ...(outcome.failure ? { failure: outcome.failure } : {}),
        },
        $unset: { leaseUntil: true },
      },
      [{ type: Channel.DOCUMENTS_PROCESSED, data: told }],
    ),
  );
  return written > 0;
}
