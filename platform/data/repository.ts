import { Errors } from "moleculer";
import { DuplicateKeyError, ErrorType } from "../actions/errors";

/**
 * The one repository API every service uses, whatever the store. The query and update
 * language is a deliberately small subset of MongoDB's, checked here, so that every store
 * (NeDB, MongoDB, PostgreSQL) implements exactly the same thing.
 */

export type Doc = { id: string };

/** `{ field: value }` is equality; dotted paths reach into sub-documents. */
export type Filter = Record<string, unknown>;

export interface Update {
  $set?: Record<string, unknown>;
  $unset?: Record<string, true>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
}

export type SortOrder = 1 | -1;

export interface FindOptions {
  sort?: Record<string, SortOrder>;
  skip?: number;
  limit?: number;
}

export interface IndexSpec {
  fields: string[];
  unique?: boolean;
  /**
   * The field is also compared by range, as numbers or as strings (ISO times): PostgreSQL then
   * gets an index of that type, so `outboxPending > 0` or `nextAttemptAt <= now` does not read
   * every row of a table that only grows. Other stores index the field as they always do.
   */
  range?: "number" | "string";
  /**
   * The field holds a list, and equality asks whether it holds a value (`searchTerms: "lamp"`):
   * SQL stores then search its elements instead of comparing the field with its index.
   */
  list?: boolean;
  /** The 409 a unique violation becomes (default: DUPLICATE_KEY). */
  conflict?: { type: string; message: string };
}

export type NewDoc<T extends Doc> = Omit<T, "id"> & { id?: string };

export interface Repository<T extends Doc> {
  insert(doc: NewDoc<T>): Promise<T>;
  findById(id: string): Promise<T | null>;
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  /** Updates the first match; returns how many matched (0 or 1), so a guarded `$inc` is atomic. */
  updateOne(filter: Filter, update: Update): Promise<number>;
  updateMany(filter: Filter, update: Update): Promise<number>;
  /** Updates the first match and returns it as it is after the update, or null. */
  findOneAndUpdate(filter: Filter, update: Update): Promise<T | null>;
  /** Updates the match, or inserts the filter's equality fields with the update applied. */
  upsert(filter: Filter, update: Update): Promise<{ inserted: boolean }>;
  deleteOne(filter: Filter): Promise<number>;
  deleteMany(filter: Filter): Promise<number>;
  /**
   * Writes whole documents, each in place of the one its filter matches, where it still
   * matches: the filter pins the document by id and guards it (`{ id, version }`). Answers
   * which were written. In one transaction on the SQL stores, so a message that changes many
   * documents pays one commit. Each is judged on its own; if the call fails, some may have
   * been written, so a retry must be safe (the guard makes it so).
   */
  replaceEach(replacements: Replacement<T>[]): Promise<boolean[]>;
}

export interface Replacement<T extends Doc> {
  filter: Filter & { id: string };
  doc: T;
}

/**
 * Each replacement's filter pins the document it replaces, so each writes one at most, and no
 * two replace the same one (in one statement, which of them held would be the store's choice).
 */
export function assertReplacements(replacements: Replacement<Doc>[]): void {
  if (!Array.isArray(replacements)) throw new UnsupportedQueryError("replacements not in a list");
  const ids = new Set<string>();
  for (const { filter, doc } of replacements) {
    if (typeof filter?.id !== "string" || filter.id !== doc?.id)
      throw new UnsupportedQueryError("a replacement whose filter does not pin its document's id");
    if (ids.has(filter.id)) throw new UnsupportedQueryError("two replacements of one document");
    ids.add(filter.id);
    assertFilter(filter);
    assertSafeValue(doc);
  }
}

/** What a store must provide: its repositories, a health probe and a way to close. */
export interface Store {
  repository<T extends Doc>(collection: string, indexes: IndexSpec[]): Promise<Repository<T>>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Whether an error means the store cannot be reached (a 503), not a fault in the call. */
  isOutage(err: unknown): boolean;
  /**
   * Makes the store itself refuse every update and delete of a collection (a trigger), for a
   * collection that only grows. Stores without triggers leave it to `appendOnly()`.
   */
  refuseChanges?(collection: string): Promise<void>;
}

/**
 * A query, update or document the repository will not run. Field paths and keys are often built
 * from what a client sent (an id, a category), so this is the client's 422 naming the field, in
 * every service, never a 500; it names no store.
 */
export class UnsupportedQueryError extends Errors.MoleculerClientError {
  constructor(detail: string, field = "body") {
    super(`A value that cannot be stored: ${detail}`, 422, ErrorType.VALIDATION_ERROR, [
      { field: field.slice(0, 120), message: `cannot be stored: ${detail}`, type: "unsafe" },
    ]);
    this.name = "UnsupportedQueryError";
  }
}

const FIELD_OPERATORS = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
]);
const UPDATE_OPERATORS = new Set(["$set", "$unset", "$inc", "$push"]);
const TOP_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const SUB_FIELD = /^[A-Za-z0-9_-]{1,128}$/;
/** Names that reach into Object.prototype when a store walks a path or copies a value. */
const RESERVED_KEYS = new Set(["__proto__", "prototype", "constructor"]);
const MAX_PATH_LENGTH = 512;

/**
 * The one check of a field path, for every store and for the update applier: dot-separated
 * segments of letters, digits, `_` and `-`, none empty and none a reserved name. Paths are often
 * built from ids (`items.<productId>`); a path such as `__proto__.toString` once made every
 * token check in the process fail.
 */
export function assertFieldPath(field: string): string[] {
  if (typeof field !== "string" || field.length > MAX_PATH_LENGTH)
    throw new UnsupportedQueryError("a field name of that length");
  const segments = field.split(".");
  segments.forEach((segment, i) => {
    if (!(i === 0 ? TOP_FIELD : SUB_FIELD).test(segment) || RESERVED_KEYS.has(segment))
      throw new UnsupportedQueryError("not a field name", field);
  });
  return segments;
}

const assertField = (field: string): void => void assertFieldPath(field);

/** A value written into a document holds no key that reaches into a prototype. */
export function assertSafeValue(value: unknown, depth = 0, at = ""): void {
  if (typeof value !== "object" || value === null) return;
  if (depth > 64) throw new UnsupportedQueryError("nested deeper than 64 levels", at || "body");
  if (Array.isArray(value))
    return value.forEach((item, i) => assertSafeValue(item, depth + 1, `${at}[${i}]`));
  for (const key of Object.keys(value)) {
    const field = at ? `${at}.${key}` : key;
    if (RESERVED_KEYS.has(key)) throw new UnsupportedQueryError(`a key named "${key}"`, field);
    assertSafeValue((value as Record<string, unknown>)[key], depth + 1, field);
  }
}

/** `{ $gt: 1 }` and the like, as opposed to a plain value to compare with. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some((k) => k.startsWith("$"))
  );
}

export function assertFilter(filter: Filter): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$or" || key === "$and") {
      if (!Array.isArray(value) || value.length === 0)
        throw new UnsupportedQueryError(`${key} needs a non-empty list`);
      value.forEach((sub) => assertFilter(sub as Filter));
      continue;
    }
    assertField(key);
    assertSafeValue(value, 0, key);
    if (!isOperatorObject(value)) continue;
    for (const [op, operand] of Object.entries(value)) {
      if (!FIELD_OPERATORS.has(op)) throw new UnsupportedQueryError(`operator ${op}`);
      if ((op === "$in" || op === "$nin") && !Array.isArray(operand))
        throw new UnsupportedQueryError(`${op} needs a list`);
    }
  }
}

export function assertUpdate(update: Update): void {
  const ops = Object.keys(update);
  if (ops.length === 0) throw new UnsupportedQueryError("an empty update");
  for (const op of ops) {
    if (!UPDATE_OPERATORS.has(op)) throw new UnsupportedQueryError(`update operator ${op}`);
    for (const [field, value] of Object.entries(update[op as keyof Update] ?? {})) {
      assertField(field);
      if (field === "id" || field.startsWith("id.")) throw new UnsupportedQueryError("changing id");
      assertSafeValue(value, 0, field);
      if (op === "$inc" && typeof value !== "number")
        throw new UnsupportedQueryError(`$inc of ${field} by a non-number`);
    }
  }
}

export function assertFindOptions(options: FindOptions): void {
  for (const [field, order] of Object.entries(options.sort ?? {})) {
    assertField(field);
    if (order !== 1 && order !== -1) throw new UnsupportedQueryError(`sort order ${order}`);
  }
  for (const key of ["skip", "limit"] as const) {
    const n = options[key];
    if (n !== undefined && (!Number.isInteger(n) || n < 0))
      throw new UnsupportedQueryError(`${key} ${n}`);
  }
}

/** The equality fields of a filter: what an upsert inserts along with the update. */
export function equalityFields(filter: Filter): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith("$") || isOperatorObject(value)) continue;
    fields[key] = value;
  }
  return fields;
}

/** The 409 a unique violation of this index becomes (DUPLICATE_KEY when it names none). */
export function duplicateKeyError(index?: IndexSpec) {
  const c = index?.conflict ?? { type: ErrorType.DUPLICATE_KEY, message: "Already exists" };
  return new DuplicateKeyError(c.type as ErrorType, c.message);
}
