import { createHash } from "node:crypto";
import { Errors } from "moleculer";
import type { Principal } from "../../platform/actions/access";
import { ErrorType, invalid } from "../../platform/actions/errors";
import type { CreateOrderInput, OrderDoc } from "./model";

/** A request's idempotency, when its client gave a key: where to find its order, and its body. */
export interface Idempotency {
  /** `<user>:<key>`: a key is the client's, so two users' keys never meet. */
  ref: string;
  /** The same request body, whatever its key order, hashes the same. */
  hash: string;
}

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

export function idempotencyOf(
  caller: Principal,
  input: CreateOrderInput,
  key: string | undefined,
): Idempotency | undefined {
  return key ? { ref: `${caller.id}:${key}`, hash: requestHash(input) } : undefined;
}

export function requestHash(input: CreateOrderInput): string {
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
export function assertSameRequest(first: OrderDoc, idempotency: Idempotency): void {
  if (first.requestHash === idempotency.hash) return;
  const error = new Errors.MoleculerClientError(
    "This Idempotency-Key was used with a different request",
    422,
    ErrorType.IDEMPOTENCY_KEY_REUSED,
  );
  error.name = "IdempotencyKeyReusedError";
  throw error;
}
