import type { CallingOptions, Middleware } from "moleculer";
import { UndeliveredError } from "../runtime/fail-fast-nats";

/**
 * Sends a call to another instance, at most `attempts` times, when it reached no node, and when
 * its node died while running it if the action says it is `idempotent` (a reservation or a
 * charge keyed by its order: running it again changes nothing). A flag, not a function, so it
 * reaches callers on other nodes through the registry.
 */
export function RerouteUndeliveredMiddleware(attempts = 3): Middleware {
  const nodeLost = (err: Error, ctx: RerouteContext) =>
    err instanceof UndeliveredError ||
    (err.name === "RequestRejectedError" && ctx.action?.idempotent === true);
  return {
    name: "RerouteUndelivered",
    remoteAction(next: (ctx: RerouteContext) => Promise<unknown>) {
      return function reroute(ctx: RerouteContext): Promise<unknown> {
        return next(ctx).catch((err: Error) => {
          const tries = ctx._undeliveredAttempts ?? 0;
          if (!nodeLost(err, ctx) || tries >= attempts) throw err;
          const again = ctx.copy() as RerouteContext;
          again._undeliveredAttempts = tries + 1;
          // `ctx` (undocumented in the typings) reuses the context, as Moleculer's own retry does.
          return ctx.broker.call(ctx.action!.name!, ctx.params, { ctx: again } as CallingOptions);
        });
      };
    },
  } as unknown as Middleware;
}

type RerouteContext = Omit<import("moleculer").Context, "action"> & {
  action?: { name?: string; idempotent?: boolean };
  _undeliveredAttempts?: number;
};
