import type { Context, Middleware } from "moleculer";
import { requestContextStorage } from "../observability/request-context";

/** Runs every local action inside its context, so log lines and repository spans find it. */
export function RequestContextMiddleware(): Middleware {
  return {
    name: "RequestContext",
    localAction(next: (ctx: Context) => Promise<unknown>) {
      return (ctx: Context) => requestContextStorage.run(ctx, () => next(ctx));
    },
  } as unknown as Middleware;
}
