import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { FileBlobStore } from "../../platform/data/blob-store";
import {
  CHUNK_INDEXES,
  DOCUMENT_INDEXES,
  PAGE_INDEXES,
  type ChunkDoc,
  type DocumentDoc,
  type PageDoc,
} from "../../services/documents/model";
import {
  MAX_ATTEMPTS,
  processWaiting,
  type ProcessingDeps,
} from "../../services/documents/processing";
import { textPdf } from "../fixtures/pdfs";
import { useTempSqlite } from "../harness/temp-store";

const sqlite = useTempSqlite("document-reading");
const LIMITS = { maxPages: 100, timeoutMs: 20_000, heapMb: 256, maxStreamBytes: 64 << 20 };

async function deps(): Promise<ProcessingDeps> {
  const store = sqlite.store();
  return {
    documents: await store.repository<DocumentDoc>("documents", DOCUMENT_INDEXES),
    chunks: await store.repository<ChunkDoc>("document_chunks", CHUNK_INDEXES),
    pages: await store.repository<PageDoc>("document_pages", PAGE_INDEXES),
    blobs: new FileBlobStore(mkdtempSync(path.join(tmpdir(), "bazaar-reading-blobs-"))),
    limits: LIMITS,
  };
}

async function kept(d: ProcessingDeps, fields: Partial<DocumentDoc> = {}): Promise<DocumentDoc> {
  const doc = await d.documents.insert({
    ownerId: "u1",
    name: "solar.pdf",
    size: 0,
    pages: 4,
    status: "uploaded",
    chunks: 0,
    courseIds: [],
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    attempts: 0,
    ...fields,
  });
  await d.blobs.put(doc.id, Readable.from([textPdf()]), { maxBytes: 1 << 20 });
  return doc;
}

describe("Reading uploaded documents in the background", () => {
  test("When a document waits, then it is read into pages and chunks, marked ready and told once", async () => {
    const d = await deps();
    const doc = await kept(d);
    expect(await processWaiting(d)).toBe(1);
    const read = (await d.documents.findById(doc.id))!;
    expect(read).toMatchObject({ status: "ready", pages: 4, attempts: 1 });
    expect(read.leaseUntil).toBeUndefined();
    expect(await d.pages.count({ documentId: doc.id })).toBe(4);
    expect(read.chunks).toBe(await d.chunks.count({ documentId: doc.id }));
    const told = Object.values(read.outbox ?? {});
    expect(told).toEqual([
      expect.objectContaining({
        type: "documents.processed",
        data: expect.objectContaining({ documentId: doc.id, status: "ready" }),
      }),
    ]);
    expect(await processWaiting(d)).toBe(0);
  });

  test("When the node reading it died mid-way, then another takes it up once the lease ran out, and not before", async () => {
    const d = await deps();
    const future = new Date(Date.now() + 60_000).toISOString();
    const past = new Date(Date.now() - 1000).toISOString();
    const held = await kept(d, { status: "processing", leaseUntil: future, attempts: 1 });
    const orphan = await kept(d, { status: "processing", leaseUntil: past, attempts: 1 });
    // A half-written earlier reading: the resumed one rewrites it by id.
    await d.chunks.insert({
      id: `${orphan.id}-0`,
      documentId: orphan.id,
      page: 1,
      index: 0,
      start: 0,
      end: 3,
      text: "old",
    });
    expect(await processWaiting(d)).toBe(1);
    expect((await d.documents.findById(held.id))!.status).toBe("processing");
    const resumed = (await d.documents.findById(orphan.id))!;
    expect(resumed).toMatchObject({ status: "ready", attempts: 2 });
    expect((await d.chunks.findById(`${orphan.id}-0`))!.text).toContain("The Sun is the star");
    expect(await d.chunks.count({ documentId: orphan.id })).toBe(resumed.chunks);
  });

  test("When a document stopped its readers too often, then it fails as too complex instead of stopping another", async () => {
    const d = await deps();
    const past = new Date(Date.now() - 1000).toISOString();
    const doc = await kept(d, { status: "processing", leaseUntil: past, attempts: MAX_ATTEMPTS });
    await processWaiting(d);
    expect(await d.documents.findById(doc.id)).toMatchObject({
      status: "failed",
      failure: "PDF_TOO_COMPLEX",
    });
  });

  test("When its file is gone, then it fails and says so, rather than waiting forever", async () => {
    const d = await deps();
    const doc = await kept(d);
    await d.blobs.remove(doc.id);
    await processWaiting(d);
    expect(await d.documents.findById(doc.id)).toMatchObject({
      status: "failed",
      failure: "PDF_CORRUPT",
    });
  });
});
