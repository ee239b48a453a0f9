import type { Principal } from "../../platform/actions/access";
import { keyReused, requestHash } from "../../platform/actions/idempotency-key";
import type { CreateOrderInput, OrderDoc } from "./model";

/** A request's idempotency, when its client gave a key: where to find its order, and its body. */
export interface Idempotency {
  /** `<user>:<key>`: a key is the client's, so two users' keys never meet. */
  ref: string;
  /** The same request body, whatever its key order, hashes the same. */
  hash: string;
}

export function idempotencyOf(
  caller: Principal,
  input: CreateOrderInput,
  key: string | undefined,
): Idempotency | undefined {
  return key ? { ref: `${caller.id}:${key}`, hash: requestHash(input) } : undefined;
}

/** The same key with another body is the client's mistake, told as such. */
export function assertSameRequest(first: OrderDoc, idempotency: Idempotency): void {
  if (first.requestHash !== idempotency.hash) throw keyReused();
}
