import { AsyncLocalStorage } from "node:async_hooks";
import type { Context } from "moleculer";

/**
 * The context of the action being run, reachable without passing it down: log lines take
 * its request id and repository calls open their spans under it.
 */
export const requestContextStorage = new AsyncLocalStorage<Context>();
const storage = requestContextStorage;

export function currentContext(): Context | undefined {
  return storage.getStore();
}

/** Runs `work` as part of `ctx` (for handlers Moleculer does not run as actions: consumers). */
export function runInContext<R>(ctx: Context, work: () => Promise<R>): Promise<R> {
  return storage.run(ctx, work);
}

/**
 * Where the current request stands in its trace, to be carried across an asynchronous hop (an
 * outbox event published later by another loop) and picked up on the far side.
 */
export interface TraceParent {
  requestID: string;
  parentID: string;
  tracing: boolean;
  level: number;
}

export function currentTraceParent(): TraceParent | undefined {
  const ctx = currentContext();
  if (!ctx?.requestID || !ctx.tracing) return undefined;
  return {
    requestID: ctx.requestID,
    parentID: ctx.span?.id ?? ctx.id,
    tracing: true,
    level: ctx.level,
  };
}
