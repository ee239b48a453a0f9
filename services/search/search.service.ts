import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import { isAdmin, type Ctx } from "../../platform/actions/access";
import { integer, object } from "../../platform/actions/openapi";
import { call, provide } from "../../platform/actions/typed-call";
import { setGauge } from "../../platform/observability/metrics";
import { Action } from "../../contracts/actions";
import { ShopMetric } from "../../contracts/metrics";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { MAX_OFFSET, MAX_PAGE_SIZE, pageParams } from "../../platform/data/pagination";
import { addStoreLoop, DbMixin, type DbService } from "../../mixins/db.mixin";
import { consumes, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { addHealthCheck, NotReadyYet } from "../../platform/runtime/health";
import { Channel, type CourseListed } from "../../contracts/channels";
import { SearchKind } from "../../contracts/search";
import { ownSettings } from "../../platform/runtime/settings-of";
import { searchSettings } from "./settings";
import {
  forgetPassages,
  fromCourse,
  fromProduct,
  fromStudyDocument,
  hideRemovedLessons,
  store,
} from "./documents";
import { DocumentsAction } from "../../contracts/documents";
import { SEARCH_DOC_INDEXES, SEARCH_PAGE_SHAPE, SUGGESTIONS_SHAPE, type SearchDoc } from "./model";
import { SearchIndex, type SearchQuery } from "./search-index";
import { START_OF_TIME, syncIndex, untilHolds, type SyncCursor } from "./index-sync";

type SearchThis = DbService<{ search_docs: SearchDoc }> & {
  index: SearchIndex;
  /** How far this node's index has followed the store. */
  cursor: SyncCursor;
  /** The first pass (the whole store, after a restart) is done: answers are complete. */
  loaded: boolean;
  syncLoop: BackgroundLoop;
  /** The newest write the product search stopped waiting for. */
  gaveUpOn?: string;
};

const SYNC_INTERVAL_MS = 500;

/** How late a change reached the index: the age of its message when the index took it. */
function lagOf(service: SearchThis, ts: string): void {
  const seconds = Math.max(0, (Date.now() - Date.parse(ts)) / 1000);
  setGauge(service.broker, ShopMetric.SEARCH_INDEX_LAG, seconds);
}

/** Products, courses and study documents, as their services tell of each change. */
const indexChanges = consumes(
  [Channel.CATALOG_PRODUCT_CHANGED, Channel.COURSES_COURSE_CHANGED, Channel.DOCUMENTS_PROCESSED],
  "search",
  async function (message) {
    const self = this as unknown as SearchThis;
    const docs = self.repos.search_docs;
    const changed =
      message.type === Channel.CATALOG_PRODUCT_CHANGED
        ? await store(docs, fromProduct(message.data))
        : message.type === Channel.COURSES_COURSE_CHANGED
          ? await storeCourse(docs, message.data)
          : await storeStudyDocument(self, message.data.documentId);
    if (changed) self.syncLoop.wake();
    lagOf(self, message.ts);
  },
);

async function storeCourse(docs: SearchThis["repos"]["search_docs"], course: CourseListed) {
  return (await store(docs, fromCourse(course))) + (await hideRemovedLessons(docs, course));
}

/**
 * A study document's passages, as its service holds them now (the message only says that it
 * changed): a removed or failed one leaves nothing readable behind.
 */
async function storeStudyDocument(self: SearchThis, documentId: string): Promise<number> {
  const entry = await call(self.broker, DocumentsAction.indexOf, { documentId });
  if (!entry) return 0;
  const told = fromStudyDocument(entry);
  const keep = new Set(told.map((t) => t.id));
  const docs = self.repos.search_docs;
  return (
    (await store(docs, told)) +
    (await forgetPassages(docs, documentId, keep, entry.document.updatedAt))
  );
}

/** What a signed-in caller may read though hidden: their own documents, their courses'. */
async function readersOf(ctx: Ctx<{ kind?: SearchKind }>): Promise<string[]> {
  const user = ctx.meta.user;
  if (!user || (ctx.params.kind && ctx.params.kind !== SearchKind.PASSAGE)) return [];
  const courses = await call(ctx, Action.courses.coursesOf, { userId: user.id });
  return [`user:${user.id}`, ...courses.sort().map((c) => `course:${c}`)];
}

const REBUILD_PAGE = 500;

/**
 * Tells the index every product and course again, from their own services, a page at a time.
 * The index keeps answering meanwhile: each document is replaced where it stands.
 */
async function rebuild(
  service: SearchThis,
  ctx: Ctx,
): Promise<{ products: number; courses: number; documents: number }> {
  const docs = service.repos.search_docs;
  let products = 0;
  let courses = 0;
  for (let after: string | undefined; ;) {
    const page = await call(ctx, Action.catalog.indexPage, { after, limit: REBUILD_PAGE });
    for (const product of page) await store(docs, fromProduct(product));
    products += page.length;
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)!.id;
  }
  for (let after: string | undefined; ;) {
    const page = await call(ctx, Action.courses.indexPage, { after, limit: REBUILD_PAGE });
    for (const course of page) await storeCourse(docs, course);
    courses += page.length;
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)!.id;
  }
  let documents = 0;
  for (let after: string | undefined; ;) {
    const page = await call(ctx, DocumentsAction.indexPage, { after, limit: REBUILD_PAGE });
    for (const documentId of page) await storeStudyDocument(service, documentId);
    documents += page.length;
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)!;
  }
  service.syncLoop.wake();
  return { products, courses, documents };
}

const searchParams = {
  $$strict: "remove",
  q: { type: "string", trim: true, max: 200, optional: true, default: "" },
  kind: { type: "enum", values: Object.values(SearchKind), optional: true },
  category: { type: "string", trim: true, max: 64, optional: true },
  priceMin: { type: "number", integer: true, min: 0, convert: true, optional: true },
  priceMax: { type: "number", integer: true, min: 0, convert: true, optional: true },
  ...pageParams,
  pageSize: { ...pageParams.pageSize, max: MAX_PAGE_SIZE },
} as const;

const SearchService: ServiceSchema<ServiceSettingSchema, SearchThis> = {
  name: "search",
  mixins: [DbMixin({ search_docs: SEARCH_DOC_INDEXES }), ConsumerMixin, HealthMixin],

  created(this: SearchThis) {
    this.index = new SearchIndex(ownSettings(this.broker, searchSettings).searchCachedAnswers);
    this.cursor = START_OF_TIME;
    this.syncLoop = new BackgroundLoop(
      "search index sync",
      SYNC_INTERVAL_MS,
      async () => {
        const { read, cursor } = await syncIndex(this.repos.search_docs, this.index, this.cursor);
        this.cursor = cursor;
        this.loaded = true;
        // Caught up: nothing waits to be indexed, so nothing is late.
        if (read === 0) setGauge(this.broker, ShopMetric.SEARCH_INDEX_LAG, 0);
      },
      this.logger,
    );
    addStoreLoop(this, this.syncLoop);
    this.syncLoop.wake();
    // A node whose index is still reading the store back answers incompletely: not ready yet.
    addHealthCheck(this, "index", async () => {
      if (!this.loaded) throw new NotReadyYet("the search index");
    });
  },

  actions: {
    query: {
      openapi: {
        summary: "Search products, courses, lessons and your study passages",
        description:
          "Passages (`kind=passage`) are chunks of study documents, found only by those who may read the document: its owner, and the learners and teachers of a course that uses it. Ranked by field (title, then category and SKU, then description), tolerant of typos, the last word read as a prefix. Facets count kinds, categories and price ranges of everything the query found; `kind` and `category` then narrow the rows. Highlights mark the matched words in escaped text.",
        response: SEARCH_PAGE_SHAPE,
      },
      access: "public",
      params: searchParams,
      async handler(this: SearchThis, ctx: Ctx<Omit<SearchQuery, "includeHidden" | "readers">>) {
        const includeHidden = ctx.meta.user ? isAdmin(ctx.meta.user) : false;
        const readers = includeHidden ? [] : await readersOf(ctx);
        return this.index.search({
          ...ctx.params,
          includeHidden,
          ...(readers.length ? { readers } : {}),
        });
      },
    },

    products: provide(Action.search.products, {
      visibility: "public",
      params: {
        $$strict: true,
        q: searchParams.q,
        category: searchParams.category,
        includeHidden: "boolean",
        freshAsOf: { type: "string", max: 40, optional: true },
        offset: { type: "number", integer: true, min: 0, max: MAX_OFFSET },
        limit: { type: "number", integer: true, min: 1, max: 1000 },
      },
      async handler(this: SearchThis, ctx) {
        const { freshAsOf, ...query } = ctx.params;
        // A write the index did not take within the wait (a catalog from before the search,
        // not yet rebuilt) is not waited for again: one slow listing, not every one.
        if (freshAsOf && freshAsOf !== this.gaveUpOn) {
          const fresh = await untilHolds(this.index, freshAsOf, () => this.syncLoop.wake());
          if (!fresh) {
            this.gaveUpOn = freshAsOf;
            this.logger.warn("Product search answered before the index held the newest write");
          }
        }
        return this.index.productIds(query);
      },
    }),

    suggest: {
      openapi: { summary: "Words that complete what was typed", response: SUGGESTIONS_SHAPE },
      access: "public",
      params: { $$strict: "remove", q: { type: "string", trim: true, min: 1, max: 100 } },
      handler(this: SearchThis, ctx: Ctx<{ q: string }>) {
        const includeHidden = ctx.meta.user ? isAdmin(ctx.meta.user) : false;
        return { suggestions: this.index.suggest(ctx.params.q, includeHidden) };
      },
    },
    rebuild: {
      openapi: {
        summary:
          "Reindex every product, course and study document from their services; search keeps answering",
        response: object(
          { products: integer, courses: integer, documents: integer },
          [],
          "Rebuilt",
        ),
      },
      access: "admin",
      timeout: 10 * 60_000,
      params: { $$strict: true },
      handler(this: SearchThis, ctx: Ctx) {
        return rebuild(this, ctx);
      },
    },
  } satisfies Actions,

  channels: indexChanges,
};

export default SearchService;
