import type { Service, ServiceBroker, ServiceSchema, Span } from "moleculer";
import type { BackgroundLoop } from "../platform/messaging/background-loop";
import { unavailable } from "../platform/actions/errors";
import { addHealthCheck } from "./health.mixin";
import { currentContext } from "../platform/observability/request-context";
import { settingsOf } from "../platform/runtime/settings-of";
import type { Settings } from "../contracts/settings";
import { MongoStore } from "../platform/data/mongo.store";
import { NedbStore } from "../platform/data/nedb.store";
import { PostgresStore } from "../platform/data/postgres.store";
import { SqliteStore } from "../platform/data/sqlite.store";
import {
  assertFilter,
  assertFindOptions,
  assertReplacements,
  assertSafeValue,
  assertUpdate,
  type Doc,
  type Filter,
  type IndexSpec,
  type Replacement,
  type Repository,
  type Store,
  type Update,
} from "../platform/data/repository";

export type { Doc, Filter, IndexSpec, Repository, Update } from "../platform/data/repository";

/** One store a process, shared by its services: one connection pool, one SQLite file. */
const stores = new Map<string, { store: Store; users: number }>();

function storeKey(settings: Settings): string {
  const uri = settings.dbUri;
  if (uri?.startsWith("nedb")) return `nedb:${settings.dataDir}`;
  if (!uri || uri.startsWith("sqlite")) return `sqlite:${settings.dataDir}`;
  return uri;
}

export function openStore(settings: Settings): Store {
  const key = storeKey(settings);
  let entry = stores.get(key);
  if (!entry) {
    const uri = settings.dbUri;
    // Embedded, SQLite unless DB_URI=nedb: asks for the NeDB files of earlier versions.
    const store = uri?.startsWith("mongodb")
      ? new MongoStore(uri)
      : uri?.startsWith("postgres")
        ? new PostgresStore(uri)
        : uri?.startsWith("nedb")
          ? new NedbStore(settings.dataDir)
          : new SqliteStore(settings.dataDir);
    entry = { store, users: 0 };
    stores.set(key, entry);
  }
  entry.users++;
  return entry.store;
}

export async function closeStore(settings: Settings): Promise<void> {
  const key = storeKey(settings);
  const entry = stores.get(key);
  if (!entry || --entry.users > 0) return;
  stores.delete(key);
  await entry.store.close();
}

const METHODS = [
  "insert",
  "findById",
  "findOne",
  "find",
  "count",
  "updateOne",
  "updateMany",
  "findOneAndUpdate",
  "upsert",
  "deleteOne",
  "deleteMany",
  "replaceEach",
] as const;

function assertArguments(method: (typeof METHODS)[number], args: unknown[]): void {
  if (method === "findById") return;
  if (method === "insert") return assertSafeValue(args[0]);
  if (method === "replaceEach") return assertReplacements(args[0] as Replacement<Doc>[]);
  assertFilter(args[0] as Filter);
  if (method === "find" && args[1]) assertFindOptions(args[1] as object);
  if (["updateOne", "updateMany", "findOneAndUpdate", "upsert"].includes(method))
    assertUpdate(args[1] as Update);
}

/**
 * Every store gets the same checks of the query subset, and each call becomes a child span of
 * the action that made it (when that action is traced).
 */
export function instrument<T extends Doc>(
  repo: Repository<T>,
  collection: string,
  broker: ServiceBroker,
  isOutage: (err: unknown) => boolean = () => false,
): Repository<T> {
  const wrapped: Record<string, unknown> = {};
  for (const method of METHODS) {
    const bound = (repo[method] as (...a: unknown[]) => Promise<unknown>).bind(repo);
    // A store that cannot be reached is a 503 the client may retry, never a 500.
    const call = (...args: unknown[]) =>
      bound(...args).catch((err: unknown) => {
        if (isOutage(err)) throw unavailable("The data store is not reachable; try again shortly");
        throw err;
      });
    wrapped[method] = async (...args: unknown[]) => {
      assertArguments(method, args);
      const parent = broker.isTracingEnabled() ? currentContext()?.span : undefined;
      if (!parent?.sampled) return call(...args);
      const span: Span = parent.startSpan(`db ${collection}.${method}`, {
        tags: { "db.collection": collection, "db.operation": method },
      });
      try {
        return await call(...args);
      } catch (err) {
        span.setError(err as Error);
        throw err;
      } finally {
        span.finish();
      }
    };
  }
  return wrapped as unknown as Repository<T>;
}

type LoopingService = Service & {
  $storeLoops?: BackgroundLoop[];
  /** This service's DbMixins (its own, a consumer's) whose repositories are not open yet. */
  $storesOpening?: number;
};

/**
 * A background loop that reads or writes this service's store: it is started once the
 * repositories exist (all of them, when the service takes the mixin more than once) and
 * stopped before the store closes. Mixins start in reverse order and stop
 * in order, so a loop a mixin started itself ran before the store was open (a relay pass failed on
 * `this.repos` at every slow start) and after it had closed ("pool after calling end").
 */
export function addStoreLoop(service: object, loop: BackgroundLoop): void {
  const self = service as LoopingService;
  (self.$storeLoops ??= []).push(loop);
}

export type DbService<R extends Record<string, Doc>> = Service & {
  repos: { [K in keyof R]: Repository<R[K]> };
};

/**
 * Gives a service `this.repos`, one repository a collection it names, with the indexes it
 * declares, and reports the store in its `health` action.
 */
export function DbMixin(collections: Record<string, IndexSpec[]>): Partial<ServiceSchema> {
  return {
    created(this: Service) {
      const self = this as LoopingService;
      self.$storesOpening = (self.$storesOpening ?? 0) + 1;
    },
    async started(this: Service) {
      const settings = settingsOf(this.broker);
      const store = openStore(settings);
      const repos: Record<string, Repository<Doc>> = {};
      for (const [collection, indexes] of Object.entries(collections)) {
        const repo = await store.repository<Doc>(collection, indexes);
        repos[collection] = instrument(repo, collection, this.broker, (err) => store.isOutage(err));
      }
      // A service may take the mixin more than once (its own collections, a consumer's).
      const self = this as DbService<Record<string, Doc>>;
      self.repos = { ...self.repos, ...repos };
      addHealthCheck(this, "db", () => store.ping());
      // A loop may read any of the service's collections: it starts when the last mixin opened.
      const looping = this as LoopingService;
      looping.$storesOpening = (looping.$storesOpening ?? 1) - 1;
      if (looping.$storesOpening === 0) for (const loop of looping.$storeLoops ?? []) loop.start();
    },
    async stopped(this: Service) {
      await Promise.all(((this as LoopingService).$storeLoops ?? []).map((loop) => loop.stop()));
      await closeStore(settingsOf(this.broker));
    },
  };
}
