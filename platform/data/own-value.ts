/**
 * Names that every plain object answers through its prototype. A map keyed by what a user or an
 * admin named (a category, a locale, a trait) must never answer one of them as if it were an
 * entry: `off["constructor"]` is a function, and spreading it throws.
 */
export const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** The record's own entry under a user-given key, or undefined: never one it inherits. */
export function ownValue<T>(
  record: Readonly<Record<string, T>> | Readonly<Record<number, T>> | undefined,
  key: string | number,
): T | undefined {
  return record !== undefined && Object.hasOwn(record, key)
    ? (record as Record<string | number, T>)[key]
    : undefined;
}
