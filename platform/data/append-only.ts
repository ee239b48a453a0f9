import type { Doc, Repository } from "./repository";

/** A change asked of a collection that only grows. */
export class AppendOnlyError extends Error {
  constructor(collection: string) {
    super(`${collection} is append-only: its records are never changed or removed`);
    this.name = "AppendOnlyError";
  }
}

const CHANGES = [
  "updateOne",
  "updateMany",
  "findOneAndUpdate",
  "upsert",
  "deleteOne",
  "deleteMany",
  "replaceEach",
] as const;

/**
 * The repository of a collection that only grows (the audit log): it inserts and reads, and
 * every change is refused before it reaches the store. The SQL stores refuse them again
 * themselves (`Store.refuseChanges`), so no other path changes a record either.
 */
export function appendOnly<T extends Doc>(repo: Repository<T>, collection: string): Repository<T> {
  const refused = () => Promise.reject(new AppendOnlyError(collection));
  const guarded = Object.create(repo) as Repository<T>;
  for (const change of CHANGES) Object.defineProperty(guarded, change, { value: refused });
  return guarded;
}
