import Datastore from "@seald-io/nedb";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { lockDataDir } from "./data-dir-lock";
import {
  fromStoreDoc,
  toStoreDoc,
  toStoreFilter,
  toStoreSort,
  type StoreDoc,
} from "./document-shape";
import {
  duplicateKeyError,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type NewDoc,
  type Replacement,
  type Repository,
  type Store,
  type Update,
} from "./repository";

const COMPACT_EVERY_MS = 10 * 60 * 1000;

function isUniqueViolation(err: unknown): boolean {
  return (err as { errorType?: string })?.errorType === "uniqueViolated";
}

/**
 * One NeDB file a collection under DATA_DIR. Each operation is atomic inside this process,
 * which is all an embedded (one-process) node needs.
 */
class NedbRepository<T extends Doc> implements Repository<T> {
  constructor(
    private readonly db: Datastore<StoreDoc>,
    private readonly indexes: IndexSpec[],
  ) {}

  /** NeDB does not say which index refused a document, so find the one that holds its values. */
  private async duplicateError(doc: Record<string, unknown>, id: string | undefined) {
    for (const index of this.indexes.filter((i) => i.unique)) {
      const query: Filter = Object.fromEntries(index.fields.map((f) => [f, doc[f]]));
      if (id !== undefined) query._id = { $ne: id };
      if (await this.db.findOneAsync(query as never)) return duplicateKeyError(index);
    }
    return duplicateKeyError();
  }

  private async guarded<R>(run: () => Promise<R>, doc: Record<string, unknown>, id?: string) {
    try {
      return await run();
    } catch (err) {
      if (isUniqueViolation(err)) throw await this.duplicateError(doc, id);
      throw err;
    }
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const full = { ...doc, id: doc.id ?? randomUUID() } as T;
    const stored = toStoreDoc(full);
    await this.guarded(() => this.db.insertAsync(stored), stored);
    return full;
  }

  async findById(id: string): Promise<T | null> {
    return fromStoreDoc<T>(await this.db.findOneAsync({ _id: id }));
  }

  async findOne(filter: Filter): Promise<T | null> {
    return fromStoreDoc<T>(await this.db.findOneAsync(toStoreFilter(filter) as never));
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = this.db.findAsync(toStoreFilter(filter) as never);
    const sort = toStoreSort(options.sort);
    if (sort) cursor = cursor.sort(sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return (await cursor).map((d) => fromStoreDoc<T>(d) as T);
  }

  count(filter: Filter): Promise<number> {
    return this.db.countAsync(toStoreFilter(filter) as never);
  }

  async replaceEach(replacements: Replacement<T>[]): Promise<boolean[]> {
    const written: boolean[] = [];
    for (const { filter, doc } of replacements) {
      const stored = toStoreDoc(doc);
      const { numAffected } = await this.guarded(
        () => this.db.updateAsync(toStoreFilter(filter) as never, stored as never, {}),
        stored,
        doc.id,
      );
      written.push(numAffected > 0);
    }
    return written;
  }

  private async update(filter: Filter, update: Update, multi: boolean) {
    const setFields = (update.$set ?? {}) as Record<string, unknown>;
    return this.guarded(
      () =>
        this.db.updateAsync(toStoreFilter(filter) as never, update as never, {
          multi,
          returnUpdatedDocs: !multi,
        }),
      setFields,
      typeof filter.id === "string" ? filter.id : undefined,
    );
  }

  async updateOne(filter: Filter, update: Update): Promise<number> {
    return (await this.update(filter, update, false)).numAffected;
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    return (await this.update(filter, update, true)).numAffected;
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<T | null> {
    const { affectedDocuments } = await this.update(filter, update, false);
    return fromStoreDoc<T>(affectedDocuments as StoreDoc | null);
  }

  async upsert(filter: Filter, update: Update): Promise<{ inserted: boolean }> {
    const storeFilter = toStoreFilter(filter);
    // NeDB would make up its own id; give it ours so every store's ids look alike.
    if (storeFilter._id === undefined) {
      const matched = await this.db.countAsync(storeFilter as never);
      if (matched === 0) storeFilter._id = randomUUID();
    }
    const result = await this.guarded(
      () => this.db.updateAsync(storeFilter as never, update as never, { upsert: true }),
      (update.$set ?? {}) as Record<string, unknown>,
    );
    return { inserted: result.upsert === true };
  }

  deleteOne(filter: Filter): Promise<number> {
    return this.db.removeAsync(toStoreFilter(filter) as never, { multi: false });
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.db.removeAsync(toStoreFilter(filter) as never, { multi: true });
  }
}

export class NedbStore implements Store {
  /** Loads in progress or done: two services asking for one collection at once share one file. */
  private readonly open = new Map<string, Promise<Datastore<StoreDoc>>>();

  private readonly unlock: () => void;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.unlock = lockDataDir(dir);
  }

  private datastore(collection: string): Promise<Datastore<StoreDoc>> {
    let loading = this.open.get(collection);
    if (!loading) {
      const db = new Datastore<StoreDoc>({ filename: path.join(this.dir, `${collection}.db`) });
      loading = db.loadDatabaseAsync().then(() => {
        db.setAutocompactionInterval(COMPACT_EVERY_MS);
        return db;
      });
      this.open.set(collection, loading);
    }
    return loading;
  }

  async repository<T extends Doc>(collection: string, indexes: IndexSpec[]) {
    const db = await this.datastore(collection);
    for (const index of indexes) {
      await db.ensureIndexAsync({
        fieldName: index.fields.join(","),
        unique: index.unique ?? false,
        // Documents without the field never collide, as in MongoDB's sparse and PostgreSQL's
        // NULL-distinct unique indexes.
        sparse: index.unique ?? false,
      });
    }
    return new NedbRepository<T>(db, indexes);
  }

  async ping(): Promise<void> {
    // A file store in this process is up while the process is.
  }

  isOutage(): boolean {
    return false;
  }

  async close(): Promise<void> {
    for (const loading of this.open.values()) {
      const db = await loading;
      db.stopAutocompaction();
      await db.compactDatafileAsync();
    }
    this.open.clear();
    this.unlock();
  }
}
