import { createHash } from "node:crypto";
import { Errors } from "moleculer";
import { ErrorType, invalid } from "./errors";

/** An `Idempotency-Key` header: what a client may send, checked before it is used. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function assertIdempotencyKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key))
    throw invalid([
      {
        field: "Idempotency-Key",
        message: "1 to 255 visible ASCII characters",
        type: "idempotencyKey",
      },
    ]);
  return key;
}

/** The same request body, whatever its key order, hashes the same. */
export function requestHash(input: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return createHash("sha256")
    .update(JSON.stringify(canonical(input)))
    .digest("hex");
}

/** The same key with another body is the client's mistake, told as such. */
export function keyReused(): Error {
  const error = new Errors.MoleculerClientError(
    "This Idempotency-Key was used with a different request",
    422,
    ErrorType.IDEMPOTENCY_KEY_REUSED,
  );
  error.name = "IdempotencyKeyReusedError";
  return error;
}
