import type { IncomingMessage, ServerResponse } from "node:http";
import type { CallerMeta, Principal } from "../../platform/actions/access";
import { refuseDeepJson } from "./json-depth";
import { Action } from "../../contracts/actions";

/**
 * The REST surface: every path a client can reach, and the action behind it. Only these
 * aliases are reachable (`mappingPolicy: "restrict"`).
 */
const JSON_BODY = {
  bodyParsers: { json: { strict: true, limit: "1MB", verify: refuseDeepJson }, urlencoded: false },
};

/** `probe`: anyone, unlimited, unless credentials come: then identified and limited as `api`. */
export type Limiter = "auth" | "api" | "probe";

/**
 * A route whose body is a multipart upload names its action so (`multipart:documents.upload`):
 * moleculer-web hands the action the file as a stream, never whole in memory.
 */
export const UPLOAD = "multipart:";

/** The action a route target calls, whatever way its body is handed over. */
export const actionOf = (target: string): string =>
  target.startsWith(UPLOAD) ? target.slice(UPLOAD.length) : target;

/**
 * Where what an action created lives, from its module's template (`/orders/:id`): `:id` is the
 * created id, any other `:field` that field of the answer.
 */
export type CreatedAt = Record<string, (id: string, answer: unknown) => string>;

function locationFrom(template: string): (id: string, answer: unknown) => string {
  return (id, answer) =>
    "/api/v1" +
    template.replace(/:([A-Za-z]+)/g, (_match, field: string) => {
      if (field === "id") return encodeURIComponent(id);
      const fields = typeof answer === "object" && answer !== null ? answer : {};
      return encodeURIComponent(
        String(Object.hasOwn(fields, field) ? ownField(fields, field) : ""),
      );
    });
}

const ownField = (fields: object, field: string): unknown =>
  Object.getOwnPropertyDescriptor(fields, field)?.value;

/** The gateway, told of each answer before it is sent (it may keep it, and tag it). */
interface AnswerSeen {
  answered?(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Principal | null,
    data: unknown,
  ): void;
}

/**
 * The status of a success is HTTP, so the gateway's: a call that created something is answered
 * 201 with its Location; an action whose API note says 202 (accepted, done later) or 204 (no
 * body) is answered so. Services only say what happened.
 */
export const answerStatus = (createdAt: CreatedAt) =>
  function answerStatus(
    this: AnswerSeen | undefined,
    ctx: { meta: CallerMeta },
    _route: unknown,
    req: IncomingMessage & { $action?: { name?: string; openapi?: { status?: number } } },
    res: ServerResponse,
    data: unknown,
  ) {
    const created = ctx.meta.$created;
    if (created === undefined) {
      const status = req.$action?.openapi?.status;
      if (status === 202 || status === 204) ctx.meta.$statusCode = status;
      // Only a plain 200 may be answered again; a status the action chose is applied later.
      else if (ctx.meta.$statusCode === undefined)
        this?.answered?.(req, res, ctx.meta.user ?? null, data);
      return data;
    }
    ctx.meta.$statusCode = 201;
    const location = createdAt[req.$action?.name ?? ""];
    if (location) ctx.meta.$location = location(created, data);
    return data;
  };

export const healthRoute = {
  path: "/health",
  // An admin's token shows this node's profile and policy and flag versions in `GET /health`.
  authentication: true,
  limiter: "probe" as Limiter,
  authorization: false,
  mappingPolicy: "restrict",
  bodyParsers: { json: false, urlencoded: false },
  aliases: {
    "GET /": Action.api.details,
    "GET /live": Action.api.live,
    "GET /ready": Action.api.ready,
  },
};

/** Sign-in and registration: limited per client address, before anyone is known. */
const authRouteWith = (onAfterCall: ReturnType<typeof answerStatus>) => ({
  path: "/api/v1/auth",
  limiter: "auth" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  ...JSON_BODY,
  aliases: {
    "POST /register": Action.users.register,
    "POST /login": Action.users.login,
  },
  onAfterCall,
});

/** Every service's own routes under `/api/v1`, as its module declares them. */
const apiRouteWith = (
  aliases: Record<string, string>,
  onAfterCall: ReturnType<typeof answerStatus>,
) => ({
  path: "/api/v1",
  limiter: "api" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  ...JSON_BODY,
  aliases,
  /** One file a request, and a part's fields short: a service caps the file's own size. */
  busboyConfig: { limits: { files: 1, fields: 10, parts: 11, fieldSize: 4096 } },
  /** Headers an action needs, handed over as meta (actions never see the request). */
  onBeforeCall(ctx: { meta: CallerMeta }, _route: unknown, req: IncomingMessage) {
    const key = req.headers["idempotency-key"];
    if (key !== undefined) ctx.meta.idempotencyKey = key;
  },
  onAfterCall,
});

/**
 * POST /events takes a JSON array, which cannot be merged into params: the action gets it
 * whole as `params.body`.
 */
const eventsRouteWith = (onAfterCall: ReturnType<typeof answerStatus>) => ({
  path: "/api/v1/events",
  limiter: "api" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  mergeParams: false,
  ...JSON_BODY,
  aliases: { "POST /": Action.analytics.ingest },
  onAfterCall,
});

/**
 * The API description and a page to read it: public and static, so neither limited nor
 * signed. Routes of their own, as moleculer-web keeps one route a path.
 */
const docsRouteOptions = {
  authentication: false,
  authorization: false,
  mappingPolicy: "restrict",
  bodyParsers: { json: false, urlencoded: false },
};
export const openApiRoute = {
  path: "/api/v1/openapi.json",
  ...docsRouteOptions,
  aliases: { "GET /": Action.api.openapi },
};
export const docsRoute = {
  path: "/api/v1/docs",
  ...docsRouteOptions,
  aliases: { "GET /": Action.api.docsPage, "GET /:file": Action.api.docsAsset },
  /** The page's URLs are relative to `/api/v1/docs`: it needs to know how it was asked for. */
  onBeforeCall(ctx: { meta: CallerMeta }, _route: unknown, req: IncomingMessage) {
    const asked = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? "";
    ctx.meta.trailingSlash = asked.split("?")[0].endsWith("/");
  },
};

/** `/`: a visitor who knows nothing is sent to the docs. Last, so every other route wins. */
export const homeRoute = {
  path: "/",
  ...docsRouteOptions,
  aliases: { "GET /": Action.api.home },
};

/** What a gateway learns of the services from their modules (`app/services.ts`). */
export interface ServiceRoutes {
  name: string;
  errors?: Readonly<Record<string, string>>;
  routes?: Record<string, string | undefined>;
  createdAt?: Record<string, string>;
}

export interface GatewayRoutes {
  /** Every route, in the order moleculer-web tries them. */
  all: object[];
  /** What the API description covers: every route but the description's own. */
  documented: { path: string; aliases: Record<string, string> }[];
  /** Services the gateway routes to: readiness needs each of them somewhere in the cluster. */
  routedServices: string[];
  /** The error types the services declare as their own, which answers keep. */
  errorTypes: ReadonlySet<string>;
}

/**
 * The REST surface from the services' modules. Two services claiming one alias would leave one
 * of them unreachable, so that refuses to start.
 */
export function gatewayRoutes(services: readonly ServiceRoutes[]): GatewayRoutes {
  const aliases: Record<string, string> = {};
  const createdAt: CreatedAt = {};
  for (const service of services) {
    for (const [alias, action] of Object.entries(service.routes ?? {})) {
      if (action === undefined) continue;
      if (Object.hasOwn(aliases, alias))
        throw new Error(`${service.name} and ${aliases[alias]} both claim the route ${alias}`);
      aliases[alias] = action;
    }
    for (const [action, template] of Object.entries(service.createdAt ?? {}))
      createdAt[action] = locationFrom(template);
  }
  const onAfterCall = answerStatus(createdAt);
  const auth = authRouteWith(onAfterCall);
  const events = eventsRouteWith(onAfterCall);
  const api = apiRouteWith(aliases, onAfterCall);
  const routed = new Set<string>();
  for (const route of [auth, api, events])
    for (const action of Object.values(route.aliases)) routed.add(actionOf(action).split(".")[0]);
  routed.delete("api");
  return {
    all: [healthRoute, auth, events, openApiRoute, docsRoute, api, homeRoute],
    documented: [healthRoute, auth, events, api],
    routedServices: [...routed],
    errorTypes: new Set(services.flatMap((service) => Object.values(service.errors ?? {}))),
  };
}
