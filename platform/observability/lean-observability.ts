import { Middlewares, type ServiceBroker } from "moleculer";

/**
 * Moleculer's own metrics and tracing middlewares, kept (same metric names, same spans, same
 * exporters) but made cheaper where they cost most on a cached read (BENCHMARKS.md):
 *
 * - Tracing: whether a request is sampled is decided at its first call, and the calls of a
 *   request that is not skip the middleware. Moleculer would still build a span for each of them
 *   (tags, a copy of the params) only to drop it.
 * - Metrics: per call, the request counter and the time histogram, and the error counter on a
 *   failure. The active-requests gauge and the call-level counter (two more updates a call, each
 *   hashing four labels) are not kept, and no metric computes a rate: Prometheus does.
 *
 * Installed through Moleculer's registry of built-in middlewares (`Middlewares.register`), so
 * the broker's internal order of middlewares is unchanged.
 */
type Hook = (next: Handler, def: ActionDef) => Handler;
type Handler = (ctx: Ctx) => Promise<unknown>;
type Ctx = { tracing: boolean | null; caller: string | null };
type ActionDef = { name: string; service?: { fullName: string } };
type MiddlewareObject = Record<string, unknown> & {
  created?: (broker: ServiceBroker) => void;
  localAction?: Hook | null;
  localEvent?: Hook | null;
  remoteAction?: Hook | null;
};
type Factory = (this: ServiceBroker, broker: ServiceBroker) => MiddlewareObject;

const builtIns = Middlewares as unknown as Record<string, Factory> & {
  register(name: string, factory: Factory): void;
};
const LEAN = Symbol("bazaar.lean");

/** A span's priority when none is given (Moleculer's default). */
const DEFAULT_PRIORITY = 5;
const REQUEST_TOTAL = "moleculer.request.total";
const REQUEST_ERROR_TOTAL = "moleculer.request.error.total";
const REQUEST_TIME = "moleculer.request.time";

/** Tracing that leaves calls of an unsampled trace alone. */
function leanTracing(original: Factory): Factory {
  return function tracing(this: ServiceBroker, broker: ServiceBroker) {
    const middleware = original.call(this, broker);
    const tracer = broker.tracer as unknown as {
      shouldSample(span: { priority: number }): boolean;
    };
    const skipUnsampled =
      (hook: Hook | null | undefined): Hook | null =>
      (next, def) => {
        const traced = hook!.call(middleware, next, def);
        if (traced === next) return next;
        return (ctx) => {
          // The first call of a request decides, with the tracer's own sampler (the same rate
          // and counter as a span would use); its calls inherit the decision.
          ctx.tracing ??= tracer.shouldSample({ priority: DEFAULT_PRIORITY });
          return ctx.tracing ? traced(ctx) : next(ctx);
        };
      };
    return {
      ...middleware,
      localAction: middleware.localAction ? skipUnsampled(middleware.localAction) : null,
      localEvent: middleware.localEvent ? skipUnsampled(middleware.localEvent) : null,
    };
  };
}

/** The metrics dashboards and alerts read, and no others, per call. */
function leanMetrics(original: Factory): Factory {
  return function metrics(this: ServiceBroker, broker: ServiceBroker) {
    const middleware = original.call(this, broker);
    const registry = broker.metrics as unknown as {
      increment(name: string, labels: object): void;
      observe(name: string, value: number, labels: object): void;
      store: Map<string, { rate?: unknown }>;
    };
    const measured =
      (type: "local" | "remote"): Hook =>
      (next, def) => {
        if (!broker.isMetricsEnabled()) return next;
        const service = def.service?.fullName ?? null;
        const action = def.name;
        return (ctx) => {
          const labels = { service, action, caller: ctx.caller, type };
          registry.increment(REQUEST_TOTAL, labels);
          const start = performance.now();
          return next(ctx).then(
            (res) => {
              registry.observe(REQUEST_TIME, performance.now() - start, labels);
              return res;
            },
            (err: { name?: string; code?: number; type?: string } | undefined) => {
              registry.observe(REQUEST_TIME, performance.now() - start, labels);
              registry.increment(REQUEST_ERROR_TOTAL, {
                ...labels,
                errorName: err?.name ?? null,
                errorCode: err?.code ?? null,
                errorType: err?.type ?? null,
              });
              throw err;
            },
          );
        };
      };
    return {
      ...middleware,
      created(b: ServiceBroker) {
        middleware.created?.call(middleware, b);
        if (b.isMetricsEnabled()) for (const metric of registry.store.values()) metric.rate = false;
      },
      localAction: measured("local"),
      remoteAction: measured("remote"),
    };
  };
}

/** Idempotent: every broker of the process gets the lean versions. */
export function installLeanObservability(): void {
  for (const [name, lean] of [
    ["Tracing", leanTracing],
    ["Metrics", leanMetrics],
  ] as const) {
    const current = builtIns[name] as Factory & { [LEAN]?: true };
    if (current[LEAN]) continue;
    const replacement = Object.assign(lean(current), { [LEAN]: true as const });
    builtIns.register(name, replacement);
  }
}
