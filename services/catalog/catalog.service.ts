import { call, provide } from "../../platform/actions/typed-call";
import { Action } from "../../contracts/actions";
import type { Actions } from "../../platform/actions/action-properties";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { isAdmin, type Ctx } from "../../platform/actions/access";
import { addStoreLoop, DbMixin, type DbService } from "../../mixins/db.mixin";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { hasType, notFound } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { countMetric } from "../../platform/observability/metrics";
import { pageOf } from "../../platform/actions/openapi";
import { pageParams, keysetParams, pageAfter } from "../../platform/data/pagination";
import { settingsOf } from "../../platform/runtime/settings-of";
import { DEMO_CATALOG } from "./demo-catalog";
import {
  createProduct,
  listProducts,
  putListing,
  updateProduct,
  type NewProduct,
} from "./products";
import {
  productFields,
  putListingParams,
  createProductParams,
  listProductParams,
  PRODUCT_INDEXES,
  PRODUCT_SHAPE,
  toProductView,
  updateProductParams,
  type ProductDoc,
} from "./model";
import {
  clearRestockMarkers,
  RESTOCK_MARKER_BATCH,
  commitStock,
  releaseStock,
  reserveStock,
  restockOrder,
} from "./stock";
import { RESERVATION_INDEXES, type ReservationDoc } from "./model";
import { idRule } from "../../platform/actions/ids";
import { ShopMetric } from "../../contracts/metrics";
import { ShopError } from "../../contracts/errors";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import { AuditedAct } from "../../contracts/audit";
import { PRODUCTS_CHANGED, type ProductsChanged } from "../../contracts/catalog";
import { auditEvent } from "../../platform/audit/audit-act";

type CatalogThis = DbService<{ products: ProductDoc; reservations: ReservationDoc }> &
  RelayService & {
    markerSweep: BackgroundLoop;
    productsChanged(ids: string[]): Promise<void>;
    productsEdited(ids: string[]): Promise<void>;
  };

/** Order ids become field names in hold markers, so they are plain words. */
const orderId = idRule;
const stockLines = {
  type: "array",
  min: 1,
  max: 100,
  items: {
    type: "object",
    strict: "remove",
    props: {
      productId: idRule,
      quantity: { type: "number", integer: true, min: 1, max: 10_000 },
    },
  },
} as const;

const callerRoles = "#user.roles";

type StockMove = (
  products: CatalogThis["repos"]["products"],
  reservations: CatalogThis["repos"]["reservations"],
  orderId: string,
) => Promise<void>;

/** An idempotent stock move for an order that gives units back, and whose reads then change. */
function stockChange(
  action: typeof Action.catalog.release | typeof Action.catalog.restock,
  move: StockMove,
) {
  return provide(action, {
    visibility: "public",
    retryPolicy: { enabled: true },
    params: { orderId },
    async handler(this: CatalogThis, ctx) {
      const { products, reservations } = this.repos;
      await move(products, reservations, ctx.params.orderId);
      const reservation = await reservations.findById(ctx.params.orderId);
      await this.productsChanged((reservation?.lines ?? []).map((l) => l.productId));
      const { orderId } = ctx.params;
      return action === Action.catalog.release
        ? { orderId, released: true as const }
        : { orderId, restocked: true as const };
    },
  });
}

async function cleanCachedReads(service: CatalogThis, ids: string[]): Promise<void> {
  const cacher = service.broker.cacher;
  if (!cacher) return;
  await cacher.clean(["catalog.list:**", ...ids.map((id) => `catalog.get:${id}**`)]);
}

const CatalogService: ServiceSchema<ServiceSettingSchema, CatalogThis> = {
  name: "catalog",
  mixins: [
    DbMixin({ products: PRODUCT_INDEXES, reservations: RESERVATION_INDEXES }),
    OutboxRelayMixin("products"),
    HealthMixin,
  ],

  created(this: CatalogThis) {
    this.markerSweep = new BackgroundLoop(
      "catalog restock markers",
      60_000,
      async () => {
        const cleared = await clearRestockMarkers(this.repos.products, this.repos.reservations);
        // A full batch leaves more behind: go on at once, not a minute later.
        if (cleared === RESTOCK_MARKER_BATCH) this.markerSweep.wake();
      },
      this.logger,
    );
    addStoreLoop(this, this.markerSweep);
  },

  actions: {
    list: {
      openapi: {
        summary: "Search and list products (admins also see inactive ones)",
        description:
          "`q` is answered by the one search (names weigh most, then categories and SKUs, then descriptions; typos tolerated; a course found as its product), fresh as of the catalog's newest write; `sort` is a field, `-` first for descending (`-price`), and sorts what a query found instead of ranking it.",
        response: pageOf(PRODUCT_SHAPE),
      },
      access: "public",
      retryPolicy: { enabled: true },
      cache: {
        // A query is answered by the search, which keeps its own answers until its index
        // changes; kept here too, it would outlive a rebuild or a course's change.
        enabled: (ctx: Ctx<{ q?: string }>) => !ctx.params.q,
        keys: ["category", "sort", "page", "pageSize", callerRoles],
        ttl: 30,
      },
      params: { ...listProductParams, ...pageParams },
      handler(
        this: CatalogThis,
        ctx: Ctx<{ q?: string; category?: string; sort?: string; page: number; pageSize: number }>,
      ) {
        const admin = ctx.meta.user ? isAdmin(ctx.meta.user) : false;
        return listProducts(this.repos.products, ctx.params, admin, (query) =>
          call(ctx, Action.search.products, query),
        );
      },
    },

    get: {
      openapi: { summary: "One product", response: PRODUCT_SHAPE },
      access: "public",
      retryPolicy: { enabled: true },
      cache: { keys: ["id", callerRoles], ttl: 60 },
      params: { $$strict: true, id: idRule },
      async handler(this: CatalogThis, ctx: Ctx<{ id: string }>) {
        const product = await this.repos.products.findById(ctx.params.id);
        const admin = ctx.meta.user ? isAdmin(ctx.meta.user) : false;
        if (!product || (!product.active && !admin)) throw notFound("Product");
        return toProductView(product);
      },
    },

    /** Products by id for pricing an order: inactive ones included, the caller decides. */
    /** A product by its SKU, inactive ones too (for operators: the REPL's `stock`). */
    bySku: {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { $$strict: true, sku: productFields.sku },
      async handler(this: CatalogThis, ctx: Ctx<{ sku: string }>) {
        // SKUs keep the case they were given; operators type them either way.
        const { sku } = ctx.params;
        const doc = await this.repos.products.findOne({ sku: { $in: [sku, sku.toUpperCase()] } });
        return doc ? toProductView(doc) : null;
      },
    },

    getMany: provide(Action.catalog.getMany, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { ids: { type: "array", min: 1, max: 100, items: { type: "string", max: 64 } } },
      async handler(this: CatalogThis, ctx) {
        const docs = await this.repos.products.find({ id: { $in: ctx.params.ids } });
        return docs.map(toProductView);
      },
    }),

    create: {
      openapi: { summary: "Add a product", status: 201, response: PRODUCT_SHAPE, errors: [409] },
      access: "admin",
      params: createProductParams,
      async handler(this: CatalogThis, ctx: Ctx<NewProduct>) {
        const product = await createProduct(this.repos.products, ctx.params);
        await this.productsEdited([product.id]);
        ctx.meta.$created = product.id;
        return toProductView(product);
      },
    },

    update: {
      openapi: { summary: "Change a product", response: PRODUCT_SHAPE, errors: [409] },
      access: "admin",
      params: updateProductParams,
      async handler(this: CatalogThis, ctx: Ctx<Partial<NewProduct> & { id: string }>) {
        const { id, ...changes } = ctx.params;
        const product = await updateProduct(this.repos.products, id, changes, (change) =>
          auditEvent(ctx, AuditedAct.PRICE_CHANGED, { kind: "product", id }, change),
        );
        await this.productsEdited([id]);
        return toProductView(product);
      },
    },

    /** Every product, inactive too, by id: how the search index is rebuilt from the catalog. */
    indexPage: provide(Action.catalog.indexPage, {
      visibility: "public",
      params: keysetParams,
      async handler(this: CatalogThis, ctx) {
        const page = await pageAfter(this.repos.products, ctx.params);
        return page.map(toProductView);
      },
    }),

    /** Another service's product (a course's), made or changed in one idempotent step. */
    putListing: provide(Action.catalog.putListing, {
      visibility: "public",
      idempotent: true,
      params: putListingParams,
      async handler(this: CatalogThis, ctx) {
        const product = await putListing(this.repos.products, ctx.params);
        await this.productsEdited([product.id]);
        return toProductView(product);
      },
    }),

    /** Deleting hides a product and stops it being ordered; orders keep their lines. */
    remove: {
      openapi: {
        summary: "Withdraw a product: it becomes inactive and hidden from customers",
        response: PRODUCT_SHAPE,
      },
      access: "admin",
      params: { $$strict: true, id: idRule },
      async handler(this: CatalogThis, ctx: Ctx<{ id: string }>) {
        const product = await updateProduct(this.repos.products, ctx.params.id, { active: false });
        await this.productsEdited([product.id]);
        return toProductView(product);
      },
    },

    /** Once per order however often asked, so a call its node died running is sent again. */
    reserve: provide(Action.catalog.reserve, {
      visibility: "public",
      idempotent: true,
      params: { orderId, items: stockLines },
      async handler(this: CatalogThis, ctx) {
        const { products, reservations } = this.repos;
        try {
          await reserveStock(products, reservations, ctx.params.orderId, ctx.params.items);
        } catch (err) {
          if (hasType(err, ShopError.OUT_OF_STOCK))
            countMetric(this.broker, ShopMetric.RESERVATIONS_REJECTED);
          throw err;
        } finally {
          await this.productsChanged(ctx.params.items.map((l) => l.productId));
        }
        return { orderId: ctx.params.orderId, reserved: true };
      },
    }),

    commit: provide(Action.catalog.commit, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { orderId },
      async handler(this: CatalogThis, ctx: Ctx<{ orderId: string }>) {
        await commitStock(this.repos.products, this.repos.reservations, ctx.params.orderId);
        return { orderId: ctx.params.orderId, committed: true };
      },
    }),

    release: stockChange(Action.catalog.release, releaseStock),
    restock: stockChange(Action.catalog.restock, restockOrder),

    /** Loads the demo catalog into an empty catalog (REPL: `call catalog.seed`). */
    seed: {
      visibility: "public",
      async handler(this: CatalogThis) {
        if ((await this.repos.products.count({})) > 0) return { seeded: 0 };
        for (const product of DEMO_CATALOG) await createProduct(this.repos.products, product);
        await this.productsEdited([]);
        return { seeded: DEMO_CATALOG.length };
      },
    },
  } satisfies Actions,

  events: {
    // Moleculer events may be lost; a lost one leaves a node's cache stale for its TTL at most.
    async [PRODUCTS_CHANGED](this: CatalogThis, ctx: Context<ProductsChanged>) {
      await cleanCachedReads(this, ctx.params.ids);
    },
  },

  methods: {
    /** An edit, not a stock move: its cached reads go, and its event is published now. */
    async productsEdited(this: CatalogThis, ids: string[]) {
      this.outboxRelay.wake();
      await this.productsChanged(ids);
    },

    /**
     * The changed products' cached reads go on every node, so none shows an old price or
     * stock; lists go whole, as any of them may hold a changed product.
     */
    async productsChanged(this: CatalogThis, ids: string[]) {
      await cleanCachedReads(this, ids);
      const changed: ProductsChanged = { ids };
      await this.broker.broadcast(PRODUCTS_CHANGED, changed, ["catalog", "api"]);
    },
  },

  async started(this: CatalogThis) {
    if (settingsOf(this.broker).seedDemoCatalog) await this.actions.seed({});
  },
};

export default CatalogService;
