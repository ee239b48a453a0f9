import type { ServerResponse } from "node:http";
import { Context, type ServiceBroker } from "moleculer";
import { Action } from "../../contracts/actions";
import { ShopMetric } from "../../contracts/metrics";
import { isAdmin, type Principal } from "../../platform/actions/access";
import { countMetric } from "../../platform/observability/metrics";
import { nodePolicies } from "../../mixins/policy-client.mixin";
import { assertAllowed, type ActionAccess } from "./access-check";
import { assertPolicyAllows } from "./policy-gate";
import { sendError, type GatewayThis, type Request } from "./gateway-this";
import {
  matchesTag,
  productReadOf,
  type Audience,
  type ReadyAnswer,
  type ReadyAnswers,
} from "./ready-answers";
import { requestIdOf } from "./request-id";

/** What a request the gateway may answer itself carries to the routed path when it cannot. */
export type ReadyRequest = Request & { $ready?: { id: string; ticket: number } };

type Tracer = {
  isEnabled(): boolean;
  shouldSample(span: object): boolean;
  startSpan(name: string, opts: object): { finish(): void; addTags(tags: object): void };
};
type Endpoint = { isAvailable: boolean; action?: ActionAccess & { name?: string } };
type Registry = { getActionEndpoints(name: string): { endpoints: Endpoint[] } | undefined };

const READ = Action.catalog.get;
const ROUTE_LABEL = { route: "GET /products/:id" };

const audienceOf = (caller: Principal | null): Audience =>
  caller && isAdmin(caller) ? "admin" : "public";

/**
 * A product read answered from the answer the gateway holds, with everything the routed path
 * does around the call: the caller identified, the rate limit spent, the roles and policies
 * asked, the request id given back, a sampled span, and `304` to a client holding the answer.
 * False (having sent nothing) for anything else: another route, an answer not held yet, a
 * credential that does not check out (the routed path answers it in the usual shape), or a
 * browser's cross-origin call (moleculer-web's CORS answers it). An anonymous read on a node
 * with a local rate-limit store is answered at once, without a promise: with request contexts
 * on, each promise costs a hook.
 */
export function answerReadyRead(
  gateway: GatewayThis,
  answers: ReadyAnswers,
  req: ReadyRequest,
  res: ServerResponse,
): boolean | Promise<boolean> {
  if (req.headers.origin !== undefined) return false;
  const id = productReadOf(req.url);
  if (id === undefined) return false;
  const ticket = answers.ticket();
  if (req.headers.authorization === undefined && req.headers["x-api-key"] === undefined)
    return answerHeld(gateway, answers, req, res, { id, ticket, caller: null });
  return gateway.identify(Context.create(gateway.broker), req).then(
    (caller) => {
      req.$caller = caller;
      return answerHeld(gateway, answers, req, res, { id, ticket, caller });
    },
    () => false,
  );
}

/**
 * The product read's definition (its roles and policies), while some catalog node can take it.
 * Read from the registry, not through `findNextActionEndpoint`: that advances the balancer, and
 * with two catalog nodes every read the gateway then routed went to the same one.
 */
function availableAction(gateway: GatewayThis): Endpoint["action"] {
  const list = (gateway.broker.registry as unknown as Registry).getActionEndpoints(READ);
  return list?.endpoints.find((endpoint) => endpoint.isAvailable)?.action;
}

function answerHeld(
  gateway: GatewayThis,
  answers: ReadyAnswers,
  req: ReadyRequest,
  res: ServerResponse,
  { id, ticket, caller }: { id: string; ticket: number; caller: Principal | null },
): boolean | Promise<boolean> {
  const ready = answers.get(id, audienceOf(caller));
  const action = ready && availableAction(gateway);
  if (!ready || !action) {
    req.$ready = { id, ticket };
    return false;
  }
  const requestId = requestIdOf(req);
  res.setHeader("X-Request-ID", requestId);
  const read = new HeldRead(gateway, req, res, ready, action, caller, requestId);
  const ip = gateway.clientAddress(req);
  const key = caller?.apiKeyId
    ? `key:${caller.apiKeyId}`
    : caller
      ? `user:${caller.id}`
      : `ip:${ip}`;
  let spent: void | Promise<void>;
  try {
    spent = gateway.applyRateLimit("api", key, res);
  } catch (err) {
    return read.refuse(err);
  }
  return spent instanceof Promise
    ? spent.then(
        () => read.send(),
        (err: unknown) => read.refuse(err),
      )
    : read.send();
}

/**
 * One held answer on its way: a class, so that a request answered at once makes no closures
 * for its steps (each costs a definition of its name when the code runs under tsx).
 */
class HeldRead {
  private readonly span;

  constructor(
    private readonly gateway: GatewayThis,
    private readonly req: ReadyRequest,
    private readonly res: ServerResponse,
    private readonly ready: ReadyAnswer,
    private readonly action: ActionAccess & { name?: string },
    private readonly caller: Principal | null,
    private readonly requestId: string,
  ) {
    this.span = startSpan(gateway.broker, req, requestId);
  }

  send(): true {
    const { gateway, req, res, action, caller } = this;
    try {
      const ip = gateway.clientAddress(req);
      assertAllowed(action, caller, "GET", ip, gateway.bazaar.adminIpAllowlist);
      assertPolicyAllows(nodePolicies(gateway.broker), action, caller, {
        ip,
        method: "GET",
        requestId: this.requestId,
      });
    } catch (err) {
      return this.refuse(err);
    }
    sendHeld(req, res, this.ready);
    countAnswer(gateway.broker);
    this.finish();
    return true;
  }

  refuse(err: unknown): true {
    sendError.call(this.gateway, this.req, this.res, err);
    this.finish();
    return true;
  }

  private finish(): void {
    this.span?.addTags({ http: { statusCode: this.res.statusCode } });
    this.span?.finish();
  }
}

function sendHeld(req: Request, res: ServerResponse, ready: ReadyAnswer): void {
  res.setHeader("ETag", ready.etag);
  if (matchesTag(req.headers["if-none-match"], ready.etag)) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", ready.length);
  res.writeHead(200);
  res.end(ready.body);
}

/**
 * Answers counted in the process and added to the metric once a second: the metric's labels
 * are hashed once a second rather than once an answer.
 */
const pending = new WeakMap<ServiceBroker, number>();
function countAnswer(broker: ServiceBroker): void {
  const held = pending.get(broker);
  pending.set(broker, (held ?? 0) + 1);
  if (held !== undefined) return;
  setTimeout(() => {
    countMetric(broker, ShopMetric.READY_ANSWERS, ROUTE_LABEL, pending.get(broker));
    pending.delete(broker);
  }, 1000).unref();
}

/** Keeps a routed product read's answer, when its request was one the gateway may answer. */
export function keepReadyAnswer(
  answers: ReadyAnswers,
  req: ReadyRequest,
  res: ServerResponse,
  caller: Principal | null,
  data: unknown,
): void {
  const ready = req.$ready;
  if (!ready) return;
  const kept = answers.keep(ready.ticket, ready.id, audienceOf(caller), data);
  if (kept) res.setHeader("ETag", kept.etag);
}

/** A span as moleculer-web's for a routed call, when the tracer samples this request. */
function startSpan(broker: ServiceBroker, req: Request, requestId: string) {
  const tracer = (broker as unknown as { tracer?: Tracer }).tracer;
  if (!tracer?.isEnabled() || !tracer.shouldSample({})) return undefined;
  return tracer.startSpan(`GET ${req.url}`, {
    type: "web",
    traceID: requestId,
    sampled: true,
    tags: { http: { method: "GET", url: req.url }, action: { name: READ }, answeredBy: "gateway" },
  });
}
