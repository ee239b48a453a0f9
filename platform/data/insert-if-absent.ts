import { isDuplicate } from "../actions/errors";
import type { Doc, NewDoc } from "./repository";

/**
 * Inserts `doc` unless a document with the same unique key is already there: the first write of
 * a step that may run twice (a redelivered message, a retried call, a twin on another node).
 * Answers the inserted document, or `undefined` when an earlier run wrote it.
 */
export async function insertIfAbsent<T extends Doc>(
  repo: { insert(doc: NewDoc<T>): Promise<T> },
  doc: NewDoc<T>,
): Promise<T | undefined> {
  try {
    return await repo.insert(doc);
  } catch (err) {
    if (!isDuplicate(err)) throw err;
    return undefined;
  }
}
