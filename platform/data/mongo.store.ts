import { randomUUID } from "node:crypto";
import {
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  type Collection,
  type Document,
} from "mongodb";
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

const DUPLICATE_KEY = 11000;

/** MongoDB through the official driver; ids are strings, as in every other store. */
class MongoRepository<T extends Doc> implements Repository<T> {
  constructor(
    private readonly collection: Collection<StoreDoc>,
    private readonly indexes: IndexSpec[],
  ) {}

  private async guarded<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
        const fields = Object.keys((err.keyPattern as Record<string, unknown>) ?? {});
        const index = this.indexes.find(
          (i) =>
            i.unique &&
            i.fields.length === fields.length &&
            i.fields.every((f) => fields.includes(f)),
        );
        throw duplicateKeyError(index);
      }
      throw err;
    }
  }

  private filter(filter: Filter): Document {
    return toStoreFilter(filter);
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const full = { ...doc, id: doc.id ?? randomUUID() } as T;
    await this.guarded(() => this.collection.insertOne(toStoreDoc(full)));
    return full;
  }

  async findById(id: string): Promise<T | null> {
    return fromStoreDoc<T>(await this.collection.findOne({ _id: id }));
  }

  async findOne(filter: Filter): Promise<T | null> {
    return fromStoreDoc<T>(await this.collection.findOne(this.filter(filter)));
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = this.collection.find(this.filter(filter));
    const sort = toStoreSort(options.sort);
    if (sort) cursor = cursor.sort(sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return (await cursor.toArray()).map((d) => fromStoreDoc<T>(d) as T);
  }

  count(filter: Filter): Promise<number> {
    return this.collection.countDocuments(this.filter(filter));
  }

  async updateOne(filter: Filter, update: Update): Promise<number> {
    const result = await this.guarded(() =>
      this.collection.updateOne(this.filter(filter), update as Document),
    );
    return result.matchedCount;
  }

  /** Each its own call, at once: a bulk write does not say which of its replacements matched. */
  async replaceEach(replacements: Replacement<T>[]): Promise<boolean[]> {
    return Promise.all(
      replacements.map(async ({ filter, doc }) => {
        const result = await this.guarded(() =>
          this.collection.replaceOne(this.filter(filter), toStoreDoc(doc)),
        );
        return result.matchedCount > 0;
      }),
    );
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    const result = await this.guarded(() =>
      this.collection.updateMany(this.filter(filter), update as Document),
    );
    return result.matchedCount;
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<T | null> {
    const doc = await this.guarded(() =>
      this.collection.findOneAndUpdate(this.filter(filter), update as Document, {
        returnDocument: "after",
      }),
    );
    return fromStoreDoc<T>(doc);
  }

  async upsert(filter: Filter, update: Update): Promise<{ inserted: boolean }> {
    const storeFilter = this.filter(filter);
    const withId: Document =
      storeFilter._id === undefined
        ? { ...update, $setOnInsert: { _id: randomUUID() } }
        : (update as Document);
    const result = await this.guarded(() =>
      this.collection.updateOne(storeFilter, withId, { upsert: true }),
    );
    return { inserted: result.upsertedCount > 0 };
  }

  async deleteOne(filter: Filter): Promise<number> {
    return (await this.collection.deleteOne(this.filter(filter))).deletedCount;
  }

  async deleteMany(filter: Filter): Promise<number> {
    return (await this.collection.deleteMany(this.filter(filter))).deletedCount;
  }
}

export class MongoStore implements Store {
  private readonly client: MongoClient;
  private connected?: Promise<MongoClient>;

  constructor(uri: string) {
    this.client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  }

  private connect(): Promise<MongoClient> {
    this.connected ??= this.client.connect();
    return this.connected;
  }

  async repository<T extends Doc>(name: string, indexes: IndexSpec[]) {
    const client = await this.connect();
    const collection = client.db().collection<StoreDoc>(name);
    for (const index of indexes) {
      await collection.createIndex(Object.fromEntries(index.fields.map((f) => [f, 1])), {
        unique: index.unique ?? false,
        sparse: index.unique ?? false,
      });
    }
    return new MongoRepository<T>(collection, indexes);
  }

  isOutage(err: unknown): boolean {
    return err instanceof MongoNetworkError || err instanceof MongoServerSelectionError;
  }

  async ping(): Promise<void> {
    await (await this.connect()).db().command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
