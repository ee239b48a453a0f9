import { randomUUID } from "node:crypto";

/**
 * Call options for a node's own housekeeping (a version check twice a second): never sampled,
 * so it neither fills the traces nor spends the sampler's turns that belong to requests.
 * Moleculer takes `parentSpan` to continue an outside trace; an unsampled one ends it here.
 */
export function untraced(): { parentSpan: { id: string; traceID: string; sampled: boolean } } {
  const traceID = randomUUID();
  return { parentSpan: { id: traceID, traceID, sampled: false } };
}
