import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Middleware } from "moleculer";

/**
 * The context of the action being run, reachable without passing it down: log lines take
 * its request id and repository calls open their spans under it.
 */
const storage = new AsyncLocalStorage<Context>();

export function currentContext(): Context | undefined {
  return storage.getStore();
}

export const RequestContextMiddleware: Middleware = {
  name: "RequestContext",
  localAction(next: (ctx: Context) => Promise<unknown>) {
    return (ctx: Context) => storage.run(ctx, () => next(ctx));
  },
} as unknown as Middleware;
