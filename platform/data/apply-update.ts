import { ownValue } from "./own-value";
import { assertFieldPath, type Update } from "./repository";

type Json = Record<string, unknown>;

function parentOf(doc: Json, path: string[], create: boolean): Json | undefined {
  let node: Json = doc;
  for (const key of path.slice(0, -1)) {
    // Own entries only: `items.toString` is a missing item, not Object.prototype's function.
    const next = ownValue(node, key);
    if (next === undefined || next === null) {
      if (!create) return undefined;
      node[key] = {};
    } else if (typeof next !== "object") {
      throw new Error(`Cannot reach into ${key}: it is not a document`);
    }
    node = node[key] as Json;
  }
  return node;
}

/**
 * The repository's update operators, applied to a plain document (a copy is returned, sharing
 * nothing with the document or the update). Same meaning as MongoDB's: `$set` makes missing
 * parents, `$inc` starts from 0, `$push` starts an array, `$unset` of a missing field does
 * nothing. Every path is checked here too, as the applier walks objects by key.
 */
export function applyUpdate<T extends Json>(doc: T, update: Update): T {
  return applyUpdateInPlace(structuredClone(doc), structuredClone(update));
}

/**
 * `applyUpdate` on a document the caller owns and will serialize at once (a store's row just
 * parsed): it changes `doc` and may share values with `update`, and copies nothing. Copying a
 * large document twice was a fifth of a profile's fold.
 */
export function applyUpdateInPlace<T extends Json>(doc: T, update: Update): T {
  const next = doc as Json;
  for (const [field, value] of Object.entries(update.$set ?? {})) {
    const path = assertFieldPath(field);
    parentOf(next, path, true)![path[path.length - 1]] = value;
  }
  for (const field of Object.keys(update.$unset ?? {})) {
    const path = assertFieldPath(field);
    const parent = parentOf(next, path, false);
    if (parent) delete parent[path[path.length - 1]];
  }
  for (const [field, by] of Object.entries(update.$inc ?? {})) {
    const path = assertFieldPath(field);
    const parent = parentOf(next, path, true)!;
    const key = path[path.length - 1];
    const current = ownValue(parent, key) ?? 0;
    if (typeof current !== "number") throw new Error(`Cannot $inc ${field}: it is not a number`);
    parent[key] = current + by;
  }
  for (const [field, value] of Object.entries(update.$push ?? {})) {
    const path = assertFieldPath(field);
    const parent = parentOf(next, path, true)!;
    const key = path[path.length - 1];
    const current = ownValue(parent, key) ?? [];
    if (!Array.isArray(current)) throw new Error(`Cannot $push to ${field}: it is not a list`);
    parent[key] = [...current, value];
  }
  return doc;
}
