import type { IncomingMessage } from "node:http";
import type { CallerMeta } from "../../platform/actions/access";
import { refuseDeepJson } from "./json-depth";
import { Action } from "../../contracts/actions";

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
const at = (prefix: string) => (id: string) => `/api/v1/${prefix}/${encodeURIComponent(id)}`;
export const CREATED_AT: Record<string, (id: string, answer: unknown) => string> = {
  [Action.users.register]: () => "/api/v1/users/me",
  [Action.users.createApiKey]: at("api-keys"),
  [Action.catalog.create]: at("products"),
  [Action.orders.create]: at("orders"),
  [Action.notifications.createWebhook]: at("webhooks"),
  [Action.courses.create]: at("courses"),
  // A module has no route of its own: it lives in its course's outline.
  [Action.courses.addModule]: (_id, answer) =>
    at("courses")(String((answer as { courseId?: unknown }).courseId)),
  [Action.courses.addLesson]: at("lessons"),
  [Action.engagement.createSegment]: at("engagement/segments"),
  [Action.engagement.createJourney]: at("engagement/journeys"),
  [Action.engagement.createTemplate]: at("engagement/templates"),
};

/**
 * The status of a success is HTTP, so the gateway's: a call that created something is answered
 * 201 with its Location; an action whose API note says 202 (accepted, done later) or 204 (no
 * body) is answered so. Services only say what happened.
 */
function answerStatus(
  ctx: { meta: CallerMeta },
  _route: unknown,
  req: IncomingMessage & { $action?: { name?: string; openapi?: { status?: number } } },
  _res: unknown,
  data: unknown,
) {
  const created = ctx.meta.$created;
  if (created === undefined) {
    const status = req.$action?.openapi?.status;
    if (status === 202 || status === 204) ctx.meta.$statusCode = status;
    return data;
  }
  ctx.meta.$statusCode = 201;
  const location = CREATED_AT[req.$action?.name ?? ""];
  if (location) ctx.meta.$location = location(created, data);
  return data;
}

export const healthRoute = {
  path: "/health",
  authentication: false,
  authorization: false,
  mappingPolicy: "restrict",
  bodyParsers: { json: false, urlencoded: false },
  aliases: {
    "GET /": Action.api.details,
    "GET /live": Action.api.live,
    "GET /ready": Action.api.ready,
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
    "POST /register": Action.users.register,
    "POST /login": Action.users.login,
  },
  onAfterCall: answerStatus,
};

export const apiRoute = {
  path: "/api/v1",
  limiter: "api" as Limiter,
  authentication: true,
  authorization: true,
  mappingPolicy: "restrict",
  ...JSON_BODY,
  aliases: {
    "GET /": Action.api.home,
    "GET /users/me": Action.users.me,
    "PATCH /users/me": Action.users.updateMe,
    "PUT /users/:id/roles": Action.users.setRoles,
    "POST /api-keys": Action.users.createApiKey,
    "GET /api-keys": Action.users.listApiKeys,
    "DELETE /api-keys/:id": Action.users.revokeApiKey,
    "GET /cluster": Action.api.cluster,
    "GET /products": Action.catalog.list,
    "GET /products/:id": Action.catalog.get,
    "POST /products": Action.catalog.create,
    "PATCH /products/:id": Action.catalog.update,
    "DELETE /products/:id": Action.catalog.remove,
    "GET /cart": Action.cart.get,
    "PUT /cart/items/:productId": Action.cart.setItem,
    "DELETE /cart/items/:productId": Action.cart.removeItem,
    "DELETE /cart": Action.cart.clear,
    "POST /orders": Action.orders.create,
    "GET /orders": Action.orders.list,
    "GET /orders/:id": Action.orders.get,
    "POST /orders/:id/cancel": Action.orders.cancel,
    "POST /orders/:id/ship": Action.orders.ship,
    "POST /orders/:id/deliver": Action.orders.deliver,
    "GET /payments": Action.payments.list,
    "GET /notifications": Action.notifications.list,
    "POST /notifications/:id/read": Action.notifications.markRead,
    "POST /webhooks": Action.notifications.createWebhook,
    "GET /webhooks": Action.notifications.listWebhooks,
    "GET /webhooks/:id/deliveries": Action.notifications.deliveries,
    "DELETE /webhooks/:id": Action.notifications.removeWebhook,
    "GET /analytics/orders": Action.analytics.orders,
    "GET /analytics/events": Action.analytics.events,
    "GET /analytics/top-products": Action.analytics.topProducts,
    "POST /courses": Action.courses.create,
    "GET /courses": Action.courses.list,
    "GET /courses/:id": Action.courses.get,
    "PATCH /courses/:id": Action.courses.update,
    "POST /courses/:id/publish": Action.courses.publish,
    "POST /courses/:id/archive": Action.courses.archive,
    "POST /courses/:id/modules": Action.courses.addModule,
    "PUT /courses/:id/outline": Action.courses.reorder,
    "POST /modules/:id/lessons": Action.courses.addLesson,
    "GET /lessons/:id": Action.courses.getLesson,
    "PATCH /lessons/:id": Action.courses.updateLesson,
    "POST /courses/:id/enrol": Action.courses.enrol,
    "POST /lessons/:id/complete": Action.courses.completeLesson,
    "GET /me/enrolments": Action.courses.myEnrolments,
    "GET /me/courses/:id/progress": Action.courses.myProgress,
    "GET /certificates/:id": Action.courses.certificate,
    "GET /engagement/profiles/:userId": Action.engagement.profile,
    "GET /engagement/decisions": Action.engagement.decisions,
    "POST /engagement/segments": Action.engagement.createSegment,
    "GET /engagement/segments": Action.engagement.listSegments,
    "GET /engagement/segments/:id": Action.engagement.getSegment,
    "PATCH /engagement/segments/:id": Action.engagement.updateSegment,
    "GET /engagement/segments/:id/members": Action.engagement.segmentMembers,
    "POST /engagement/profiles/rebuild": Action.engagement.rebuildProfiles,
    "POST /engagement/profiles/:userId/rebuild": Action.engagement.rebuildProfile,
    "POST /engagement/journeys": Action.engagement.createJourney,
    "GET /engagement/journeys": Action.engagement.listJourneys,
    "GET /engagement/journeys/:id": Action.engagement.getJourney,
    "PATCH /engagement/journeys/:id": Action.engagement.updateJourney,
    "GET /engagement/journeys/:id/stats": Action.engagement.journeyStats,
    "GET /engagement/journeys/:id/runs": Action.engagement.journeyRuns,
    "POST /engagement/templates": Action.engagement.createTemplate,
    "GET /engagement/templates": Action.engagement.listTemplates,
    "GET /engagement/templates/:id": Action.engagement.getTemplate,
    "PATCH /engagement/templates/:id": Action.engagement.updateTemplate,
    "POST /engagement/templates/:id/preview": Action.engagement.previewTemplate,
    "GET /engagement/templates/:id/stats": Action.engagement.templateStats,
    "GET /me/preferences": Action.engagement.myPreferences,
    "PUT /me/preferences": Action.engagement.setMyPreferences,
    "GET /unsubscribe": Action.engagement.unsubscribe,
    "GET /click": Action.engagement.click,
    "GET /search": Action.search.query,
    "GET /search/suggest": Action.search.suggest,
    "POST /search/rebuild": Action.search.rebuild,
  },
  /** Headers an action needs, handed over as meta (actions never see the request). */
  onBeforeCall(ctx: { meta: CallerMeta }, _route: unknown, req: IncomingMessage) {
    const key = req.headers["idempotency-key"];
    if (key !== undefined) ctx.meta.idempotencyKey = key;
  },
  onAfterCall: answerStatus,
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
  aliases: { "POST /": Action.analytics.ingest },
  onAfterCall: answerStatus,
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
