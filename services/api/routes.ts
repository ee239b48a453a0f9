import type { IncomingMessage } from "node:http";
import { refuseDeepJson } from "./json-depth";

/**
 * The REST surface: every path a client can reach, and the action behind it. Only these
 * aliases are reachable (`mappingPolicy: "restrict"`).
 */
const JSON_BODY = {
  bodyParsers: { json: { strict: true, limit: "1MB", verify: refuseDeepJson }, urlencoded: false },
};

export type Limiter = "auth" | "api";

/**
 * Where what an action created lives, by the action: services say only what they created
 * (`meta.$created`), and paths are the gateway's to know.
 */
const CREATED_AT: Record<string, (id: string) => string> = {
  "users.register": () => "/api/v1/users/me",
  "users.createApiKey": (id) => `/api/v1/api-keys/${encodeURIComponent(id)}`,
  "catalog.create": (id) => `/api/v1/products/${encodeURIComponent(id)}`,
  "orders.create": (id) => `/api/v1/orders/${encodeURIComponent(id)}`,
  "notifications.createWebhook": (id) => `/api/v1/webhooks/${encodeURIComponent(id)}`,
};

/** A call that created something is answered 201, with its Location. */
function answerCreated(
  ctx: { meta: { $created?: string; $statusCode?: number; $location?: string } },
  _route: unknown,
  req: IncomingMessage & { $action?: { name?: string } },
  _res: unknown,
  data: unknown,
) {
  const created = ctx.meta.$created;
  if (created === undefined) return data;
  ctx.meta.$statusCode = 201;
  const at = CREATED_AT[req.$action?.name ?? ""];
  if (at) ctx.meta.$location = at(created);
  return data;
}

export const healthRoute = {
  path: "/health",
  authentication: false,
  authorization: false,
  mappingPolicy: "restrict",
  bodyParsers: { json: false, urlencoded: false },
  aliases: {
    "GET /": "api.details",
    "GET /live": "api.live",
    "GET /ready": "api.ready",
  },
};

export const authRoute = {
  path: "/api/v1/auth",
  limiter: "auth" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  ...JSON_BODY,
  aliases: {
    "POST /register": "users.register",
    "POST /login": "users.login",
  },
  onAfterCall: answerCreated,
};

export const apiRoute = {
  path: "/api/v1",
  limiter: "api" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  ...JSON_BODY,
  aliases: {
    "GET /": "api.home",
    "GET /users/me": "users.me",
    "PATCH /users/me": "users.updateMe",
    "PUT /users/:id/roles": "users.setRoles",
    "POST /api-keys": "users.createApiKey",
    "GET /api-keys": "users.listApiKeys",
    "DELETE /api-keys/:id": "users.revokeApiKey",
    "GET /cluster": "api.cluster",
    "GET /products": "catalog.list",
    "GET /products/:id": "catalog.get",
    "POST /products": "catalog.create",
    "PATCH /products/:id": "catalog.update",
    "DELETE /products/:id": "catalog.remove",
    "GET /cart": "cart.get",
    "PUT /cart/items/:productId": "cart.setItem",
    "DELETE /cart/items/:productId": "cart.removeItem",
    "DELETE /cart": "cart.clear",
    "POST /orders": "orders.create",
    "GET /orders": "orders.list",
    "GET /orders/:id": "orders.get",
    "POST /orders/:id/cancel": "orders.cancel",
    "POST /orders/:id/ship": "orders.ship",
    "POST /orders/:id/deliver": "orders.deliver",
    "GET /payments": "payments.list",
    "GET /notifications": "notifications.list",
    "POST /notifications/:id/read": "notifications.markRead",
    "POST /webhooks": "notifications.createWebhook",
    "GET /webhooks": "notifications.listWebhooks",
    "GET /webhooks/:id/deliveries": "notifications.deliveries",
    "DELETE /webhooks/:id": "notifications.removeWebhook",
    "GET /analytics/orders": "analytics.orders",
    "GET /analytics/events": "analytics.events",
    "GET /analytics/top-products": "analytics.topProducts",
  },
  /** Headers an action needs, handed over as meta (actions never see the request). */
  onBeforeCall(ctx: { meta: Record<string, unknown> }, _route: unknown, req: IncomingMessage) {
    const key = req.headers["idempotency-key"];
    if (key !== undefined) ctx.meta.idempotencyKey = key;
  },
  onAfterCall: answerCreated,
};

/**
 * POST /events takes a JSON array, which cannot be merged into params: the action gets it
 * whole as `params.body`.
 */
export const eventsRoute = {
  path: "/api/v1/events",
  limiter: "api" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  mergeParams: false,
  ...JSON_BODY,
  aliases: { "POST /": "analytics.ingest" },
};

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
  aliases: { "GET /": "api.openapi" },
};
export const docsRoute = {
  path: "/api/v1/docs",
  ...docsRouteOptions,
  aliases: { "GET /": "api.docsPage", "GET /:file": "api.docsAsset" },
  /** The page's URLs are relative to `/api/v1/docs`: it needs to know how it was asked for. */
  onBeforeCall(ctx: { meta: Record<string, unknown> }, _route: unknown, req: IncomingMessage) {
    const asked = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? "";
    ctx.meta.trailingSlash = asked.split("?")[0].endsWith("/");
  },
};

/** `/`: a visitor who knows nothing is sent to the docs. Last, so every other route wins. */
export const homeRoute = {
  path: "/",
  ...docsRouteOptions,
  aliases: { "GET /": "api.home" },
};

/** What the API description covers: every route but the description's own. */
export const DOCUMENTED_ROUTES = [healthRoute, authRoute, eventsRoute, apiRoute];

/** Services the gateway routes to: readiness needs each of them somewhere in the cluster. */
export function routedServices(): string[] {
  const names = new Set<string>();
  for (const route of [authRoute, apiRoute, eventsRoute])
    for (const action of Object.values(route.aliases)) names.add(action.split(".")[0]);
  names.delete("api");
  return [...names];
}
