import { randomBytes } from "node:crypto";

/**
 * The one rule for every id a client or a message hands a service: letters, digits, `_` and
 * `-`, starting with a letter or a digit, at most 64 characters, and never a name JavaScript
 * objects reserve. An id is often a key inside a document (`items.<productId>`,
 * `holds.<orderId>`): this rule keeps it a plain key, and the repository refuses any path that is
 * not one (platform/data/repository.ts), whatever reached it.
 */
export const ID_PATTERN = /^(?!(?:constructor|prototype)$)[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const idRule = { type: "string", max: 64, pattern: ID_PATTERN } as const;

export const optionalIdRule = { ...idRule, optional: true } as const;

export function isId(value: unknown): value is string {
  return typeof value === "string" && value.length <= 64 && ID_PATTERN.test(value);
}

/** A new id: its kind's prefix and random hex, which the id rule above always accepts. */
export const newId = (prefix: string, bytes = 12): string =>
  `${prefix}_${randomBytes(bytes).toString("hex")}`;
