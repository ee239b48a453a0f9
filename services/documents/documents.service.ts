import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Readable } from "node:stream";
import { Action } from "../../contracts/actions";
import { DocumentsAction, DocumentStatus } from "../../contracts/documents";
import { DbMixin, addStoreLoop, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx, type Principal } from "../../platform/actions/access";
import { notFound } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { call, provide } from "../../platform/actions/typed-call";
import { openBlobStore, type BlobStore } from "../../platform/data/blob-store";
import { findPage, keysetParams, pageAfter, pageParams } from "../../platform/data/pagination";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { withEvents } from "../../platform/messaging/outbox";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { assertOwner, assertReady, readable, upload } from "./library";
import {
  CHUNK_INDEXES,
  DOCUMENT_INDEXES,
  DOCUMENT_SHAPE,
  PAGE_INDEXES,
  PAGE_SHAPE,
  processedEvent,
  toDocumentView,
  type ChunkDoc,
  type DocumentDoc,
  type PageDoc,
} from "./model";
import { passagesFor } from "./passages";
import { processWaiting } from "./processing";
import { documentsSettings } from "./settings";

type DocumentsThis = DbService<{
  documents: DocumentDoc;
  document_chunks: ChunkDoc;
  document_pages: PageDoc;
}> &
  RelayService & { blobs: BlobStore; reader: BackgroundLoop };

const PROCESS_POLL_MS = 2000;

function limitsOf(self: DocumentsThis) {
  const own = ownSettings(self.broker, documentsSettings);
  return {
    maxBytes: own.documentMaxBytes,
    perUser: own.documentsPerUser,
    idleMs: own.documentUploadIdleMs,
    maxPages: own.documentMaxPages,
    timeoutMs: own.documentExtractTimeoutMs,
    heapMb: own.documentExtractHeapMb,
    maxStreamBytes: 64 * 1024 * 1024,
  };
}

/** The courses among these that the caller learns or teaches. */
const studiesOf = (ctx: Ctx<object>, userId: string) => (courseIds: string[]) =>
  call(ctx, Action.courses.studiedBy, { userId, courseIds });

/** A document the caller may read (`params.id`), or the 404 that hides it. */
const readableHere = (self: DocumentsThis, ctx: Ctx<{ id: string }>, caller: Principal) =>
  readable(self.repos.documents, caller, ctx.params.id, studiesOf(ctx, caller.id));

/** Wiring only: the rules are in library.ts, processing.ts and passages.ts. */
const DocumentsService: ServiceSchema<ServiceSettingSchema, DocumentsThis> = {
  name: "documents",
  mixins: [
    DbMixin({
      documents: DOCUMENT_INDEXES,
      document_chunks: CHUNK_INDEXES,
      document_pages: PAGE_INDEXES,
    }),
    OutboxRelayMixin("documents"),
    HealthMixin,
  ],

  actions: {
    upload: {
      access: "user",
      openapi: {
        summary: "Upload a PDF to study from (multipart, one file)",
        description:
          "The file's content must be a PDF with a text layer, not encrypted, within the size and page limits; anything else is refused and nothing is kept. The document is `uploaded`, then read in the background to `ready` or `failed`.",
        status: 201,
        response: DOCUMENT_SHAPE,
        errors: [409, 413, 422],
      },
      async handler(this: DocumentsThis, ctx: Ctx<Readable, { filename?: string }>) {
        const doc = await upload(
          { documents: this.repos.documents, blobs: this.blobs, limits: limitsOf(this) },
          callerOf(ctx),
          ctx.params,
          ctx.meta.filename,
        );
        this.reader.wake();
        ctx.meta.$created = doc.id;
        return toDocumentView(doc);
      },
    },

    list: {
      access: "user",
      openapi: { summary: "Your documents, newest first", response: pageOf(DOCUMENT_SHAPE) },
      params: { $$strict: "remove", ...pageParams },
      handler(this: DocumentsThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        const filter = { ownerId: callerOf(ctx).id, status: { $ne: DocumentStatus.REMOVED } };
        const request = { ...ctx.params, sort: { createdAt: -1 as const } };
        return findPage(this.repos.documents, filter, request, toDocumentView);
      },
    },

    get: {
      access: "user",
      openapi: {
        summary: "A document you may read, and how far its reading is",
        response: DOCUMENT_SHAPE,
      },
      params: { $$strict: true, id: idRule },
      async handler(this: DocumentsThis, ctx: Ctx<{ id: string }>) {
        const caller = callerOf(ctx);
        const doc = await readableHere(this, ctx, caller);
        return toDocumentView(doc);
      },
    },

    page: {
      access: "user",
      openapi: { summary: "The extracted text of one page", response: PAGE_SHAPE },
      params: {
        $$strict: true,
        id: idRule,
        page: { type: "number", integer: true, min: 1, max: 100_000, convert: true },
      },
      async handler(this: DocumentsThis, ctx: Ctx<{ id: string; page: number }>) {
        const caller = callerOf(ctx);
        const doc = await readableHere(this, ctx, caller);
        assertReady(doc);
        const page = await this.repos.document_pages.findById(`${doc.id}-p${ctx.params.page}`);
        if (!page) throw notFound("Page");
        return { documentId: doc.id, page: page.page, pages: doc.pages, text: page.text };
      },
    },

    remove: {
      access: "user",
      openapi: { summary: "Remove a document you uploaded, with its file and text", status: 204 },
      params: { $$strict: true, id: idRule },
      async handler(this: DocumentsThis, ctx: Ctx<{ id: string }>) {
        const caller = callerOf(ctx);
        const doc = await readableHere(this, ctx, caller);
        assertOwner(doc, caller);
        // A mark stays, carrying the event that makes the search forget it too.
        const now = new Date().toISOString();
        await this.repos.documents.updateOne(
          { id: doc.id },
          withEvents({ $set: { status: DocumentStatus.REMOVED, updatedAt: now, courseIds: [] } }, [
            processedEvent(doc, DocumentStatus.REMOVED),
          ]),
        );
        this.outboxRelay.wake();
        await this.repos.document_chunks.deleteMany({ documentId: doc.id });
        await this.repos.document_pages.deleteMany({ documentId: doc.id });
        await this.blobs.remove(doc.id);
        return null;
      },
    },

    passages: provide(DocumentsAction.passages, {
      visibility: "public",
      params: {
        $$strict: true,
        reader: {
          type: "object",
          props: { id: idRule, roles: { type: "array", items: "string" } },
        },
        documentIds: { type: "array", items: idRule, max: 100, optional: true },
        courseId: { ...idRule, optional: true },
      },
      handler(this: DocumentsThis, ctx) {
        const studies = studiesOf(ctx, ctx.params.reader.id);
        return passagesFor(this.repos.documents, this.repos.document_chunks, ctx.params, studies);
      },
    }),

    /** A document's chunks and readers, for the search index. */
    indexOf: provide(DocumentsAction.indexOf, {
      visibility: "public",
      params: { $$strict: true, documentId: idRule },
      async handler(this: DocumentsThis, ctx) {
        const doc = await this.repos.documents.findById(ctx.params.documentId);
        if (!doc) return null;
        const { id, name, ownerId, courseIds, status, updatedAt } = doc;
        const chunks =
          status === DocumentStatus.READY
            ? await this.repos.document_chunks.find({ documentId: id }, { sort: { index: 1 } })
            : [];
        return {
          document: { id, name, ownerId, courseIds, status, updatedAt },
          passages: chunks.map(({ id: _id, ...chunk }) => ({ ...chunk, documentName: name })),
        };
      },
    }),

    indexPage: provide(DocumentsAction.indexPage, {
      visibility: "public",
      params: keysetParams,
      async handler(this: DocumentsThis, ctx) {
        return (await pageAfter(this.repos.documents, ctx.params)).map((doc) => doc.id);
      },
    }),

    attachToCourse: provide(DocumentsAction.attachToCourse, {
      visibility: "public",
      params: { $$strict: true, documentId: idRule, courseId: idRule, instructorId: idRule },
      async handler(this: DocumentsThis, ctx) {
        const { documentId, courseId, instructorId } = ctx.params;
        const instructor = { id: instructorId, roles: ["instructor" as const] };
        const doc = await readable(
          this.repos.documents,
          instructor,
          documentId,
          studiesOf(ctx, instructorId),
        );
        assertReady(doc);
        if (!doc.courseIds.includes(courseId)) {
          // Its new readers are told to the search with the change itself.
          const update = {
            $push: { courseIds: courseId },
            $set: { updatedAt: new Date().toISOString() },
          };
          await this.repos.documents.updateOne(
            { id: doc.id },
            withEvents(update, [processedEvent(doc, DocumentStatus.READY)]),
          );
          this.outboxRelay.wake();
        }
        return { attached: true as const };
      },
    }),
  } satisfies Actions,

  created(this: DocumentsThis) {
    this.reader = new BackgroundLoop(
      "document reading",
      PROCESS_POLL_MS,
      async () => {
        const limits = limitsOf(this);
        const deps = {
          documents: this.repos.documents,
          chunks: this.repos.document_chunks,
          pages: this.repos.document_pages,
          blobs: this.blobs,
          limits,
        };
        if ((await processWaiting(deps)) > 0) this.outboxRelay.wake();
      },
      this.logger,
    );
    addStoreLoop(this, this.reader);
  },

  started(this: DocumentsThis) {
    this.blobs = openBlobStore(settingsOf(this.broker));
  },

  async stopped(this: DocumentsThis) {
    await this.reader.stop();
    await this.blobs.close();
  },
};

export default DocumentsService;
