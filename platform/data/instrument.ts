import type { ServiceBroker, Span } from "moleculer";
import { unavailable } from "../actions/errors";
import { currentContext } from "../observability/request-context";
import {
  assertFilter,
  assertFindOptions,
  assertReplacements,
  assertSafeValue,
  assertUpdate,
  type Doc,
  type Filter,
  type Replacement,
  type Repository,
  type Update,
} from "./repository";

const METHODS = [
  "insert",
  "findById",
  "findOne",
  "find",
  "count",
  "updateOne",
  "updateMany",
  "findOneAndUpdate",
  "upsert",
  "deleteOne",
  "deleteMany",
  "replaceEach",
] as const;

function assertArguments(method: (typeof METHODS)[number], args: unknown[]): void {
  if (method === "findById") return;
  if (method === "insert") return assertSafeValue(args[0]);
  if (method === "replaceEach") return assertReplacements(args[0] as Replacement<Doc>[]);
  assertFilter(args[0] as Filter);
  if (method === "find" && args[1]) assertFindOptions(args[1] as object);
  if (["updateOne", "updateMany", "findOneAndUpdate", "upsert"].includes(method))
    assertUpdate(args[1] as Update);
}

/**
 * Every store gets the same checks of the query subset, and each call becomes a child span of
 * the action that made it (when that action is traced).
 */
export function instrument<T extends Doc>(
  repo: Repository<T>,
  collection: string,
  broker: ServiceBroker,
  isOutage: (err: unknown) => boolean = () => false,
): Repository<T> {
  const wrapped: Record<string, unknown> = {};
  for (const method of METHODS) {
    const bound = (repo[method] as (...a: unknown[]) => Promise<unknown>).bind(repo);
    // A store that cannot be reached is a 503 the client may retry, never a 500.
    const call = (...args: unknown[]) =>
      bound(...args).catch((err: unknown) => {
        if (isOutage(err)) throw unavailable("The data store is not reachable; try again shortly");
        throw err;
      });
    wrapped[method] = async (...args: unknown[]) => {
      assertArguments(method, args);
      const parent = broker.isTracingEnabled() ? currentContext()?.span : undefined;
      if (!parent?.sampled) return call(...args);
      const span: Span = parent.startSpan(`db ${collection}.${method}`, {
        tags: { "db.collection": collection, "db.operation": method },
      });
      try {
        return await call(...args);
      } catch (err) {
        span.setError(err as Error);
        throw err;
      } finally {
        span.finish();
      }
    };
  }
  return wrapped as unknown as Repository<T>;
}
