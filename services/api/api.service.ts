import { call } from "../../platform/actions/typed-call";
import type { Actions } from "../../platform/actions/action-properties";
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type {
  Context,
  Service,
  ServiceBroker,
  ServiceSchema,
  ServiceSettingSchema,
} from "moleculer";
import ApiGateway from "moleculer-web";
import type { CallerMeta, Principal } from "../../platform/actions/access";
import {
  notFound,
  tooManyRequests,
  unauthorized,
  unavailable,
} from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { type HealthReport } from "../../platform/runtime/health";
import { verifyAccessToken } from "../../platform/actions/jwt";
import { countMetric } from "../../platform/observability/metrics";
import {
  arrayOf,
  boolean,
  integer,
  mapOf,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";
import { serviceRedis } from "../../platform/runtime/redis";
import { ownSettings, serviceModulesOf, settingsOf } from "../../platform/runtime/settings-of";
import { apiSettings, type ApiSettings } from "./settings";
import type { Settings } from "../../contracts/settings";
import { assertAllowed, type ActionAccess } from "./access-check";
import { clientIp } from "./client-ip";
import { clusterView, type ClusterView } from "./cluster-view";
import { toHttpError } from "./http-errors";
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "./rate-limit";
import { coreWaitFrom, readiness, routedServiceChecks, type CoreWait } from "./readiness";
import { SessionFloors, type SessionsEnded } from "./session-floors";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { addHealthCheck, NotReadyYet } from "../../platform/runtime/health";
import { failFastListen } from "../../platform/runtime/port-in-use";
import { DOCS_HEADERS, DOCS_PAGE, docsAssetType, isDocsAsset, readDocsAsset } from "./docs-page";
import { openApiDocument, type OpenApiDocument } from "./openapi";
import { packageVersion, publishedActions } from "./published-actions";
import { gatewayRoutes, type GatewayRoutes, type Limiter } from "./routes";
import { ShopMetric } from "../../contracts/metrics";
import { Action } from "../../contracts/actions";

type Request = IncomingMessage & {
  $action?: ActionAccess;
  $ctx?: Context;
  $clientIp?: string;
};
type Route = { opts: { limiter?: Limiter } };

type GatewayThis = Service & {
  bazaar: GatewaySettings;
  surface: GatewayRoutes;
  server: Server;
  rateLimits: RateLimitStore;
  inFlight: number;
  inFlightByClient: Map<string, number>;
  redisReady?: Promise<void>;
  description?: Promise<OpenApiDocument>;
  docsAssets: Map<string, Promise<Buffer>>;
  sessionFloors: SessionFloors;
  sessionLoop: BackgroundLoop;
  coreWait: CoreWait;
  clientAddress(req: Request): string;
  loadEndedSessions(): Promise<void>;
  identify(ctx: Context, req: Request): Promise<Principal | null>;
  applyRateLimit(limiter: Limiter, key: string, res: ServerResponse): Promise<void>;
};

type GatewaySettings = Settings & ApiSettings;
const gatewaySettings = (broker: ServiceBroker): GatewaySettings => ({
  ...settingsOf(broker),
  ...ownSettings(broker, apiSettings),
});

const RATE_WINDOW_MS = 60_000;
const DOCS_PATH = "/api/v1/docs";
/** How stale a gateway's list of ended sessions may be when a broadcast was lost. */
const SESSION_POLL_MS = 2000;
const HEALTH_SHAPE = object(
  { status: oneOf(["up", "down"]), checks: mapOf(oneOf(["up", "down"])) },
  [],
  "HealthReport",
);
const DETAILS_SHAPE = object(
  {
    status: {
      ...oneOf(["up", "degraded", "down"]),
      description: "degraded: this node serves, but some routed service is down or missing",
    },
    checks: mapOf(oneOf(["up", "down"])),
    version: string,
  },
  [],
  "HealthDetails",
);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const gatewayHttpHandler = (
  ApiGateway as unknown as { methods: { httpHandler: (...a: unknown[]) => unknown } }
).methods.httpHandler;

function sendError(this: GatewayThis, req: Request, res: ServerResponse, err: unknown): void {
  const error = toHttpError(err, this.surface?.errorTypes);
  const where = `${req.method} ${req.url} (request ${req.$ctx?.requestID ?? "-"})`;
  // One line a request. An ERROR is a fault in Bazaar, with its stack; a 503 (a processor that
  // did not answer, a service away) is an expected refusal the client retries, counted in the
  // metrics and shown by /health, so it is no operator's alarm.
  if (error.code === 500)
    this.logger.error(`${where} failed:`, err instanceof Error ? (err.stack ?? err.message) : err);
  else if (error.code > 500)
    this.logger.info(`${where} answered ${error.code}:`, (err as Error)?.message);
  if (res.headersSent) return void res.end();
  const retryAfter = (error.data as { retryAfter?: number } | undefined)?.retryAfter;
  if (error.code === 429 && retryAfter !== undefined) res.setHeader("Retry-After", retryAfter);
  if (error.code === 503) res.setHeader("Retry-After", 1);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.writeHead(error.code);
  res.end(JSON.stringify(error));
}

function corsSettings(settings: GatewaySettings) {
  if (settings.corsOrigins.length === 0) return undefined;
  return {
    origin: settings.corsOrigins.includes("*") ? "*" : settings.corsOrigins,
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowedHeaders: [
      "Authorization",
      "Content-Type",
      "X-API-Key",
      "X-Request-ID",
      "Idempotency-Key",
    ],
    exposedHeaders: ["X-Request-ID", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"],
    credentials: false,
    maxAge: 600,
  };
}

const ApiService: ServiceSchema<ServiceSettingSchema, GatewayThis> = {
  name: "api",
  mixins: [ApiGateway as unknown as Partial<ServiceSchema>, HealthMixin],

  settings: {
    port: 3000,
    ip: "127.0.0.1",
    log4XXResponses: false,
    logRequest: "debug",
    logResponse: "debug",
    rootCallOptions(options: { requestID?: string }, req: IncomingMessage) {
      const given = req.headers["x-request-id"];
      options.requestID =
        typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    onError: sendError,
  },

  actions: {
    live: {
      access: "public",
      openapi: { summary: "Liveness: the process answers", response: HEALTH_SHAPE },
      handler(): HealthReport {
        return { status: "up", checks: {} };
      },
    },
    ready: {
      access: "public",
      openapi: {
        summary: "Readiness: this node can serve (broker, transporter, its stores and Redis)",
        description:
          "503, with the same report, while something it needs is down. At start-up it also waits, at most a minute, for the core services (users, catalog, orders). A service missing after that makes only its own routes answer 503 with `Retry-After`; `GET /health` shows it.",
        response: HEALTH_SHAPE,
        sameBodyOn: [503],
      },
      async handler(this: GatewayThis, ctx: Context<unknown, CallerMeta>) {
        const report = await readiness(
          this.broker,
          () => this.actions.health({}, { parentCtx: ctx }) as Promise<HealthReport>,
          this.coreWait,
        );
        if (report.status !== "up") ctx.meta.$statusCode = 503;
        return report;
      },
    },
    details: {
      access: "public",
      openapi: {
        summary: "Readiness, each routed service, and the version this node runs",
        description:
          "`degraded` (still 200) while a routed service is down or missing: its routes answer 503 until it returns. " +
          "Anonymous, so it names no host, process or address: a node's identity is on its own " +
          "health port (HEALTH_PORT) and in GET /api/v1/cluster, for admins.",
        response: DETAILS_SHAPE,
        sameBodyOn: [503],
      },
      async handler(this: GatewayThis, ctx: Context<unknown, CallerMeta>) {
        const ready = (await this.actions.ready({}, { parentCtx: ctx })) as HealthReport;
        const services = await routedServiceChecks(this.broker, this.surface.routedServices);
        const checks = { ...ready.checks, ...services };
        const degraded = Object.values(services).some((status) => status !== "up");
        if (ready.status !== "up") ctx.meta.$statusCode = 503;
        const status = ready.status !== "up" ? "down" : degraded ? "degraded" : "up";
        return { status, checks, version: packageVersion() };
      },
    },
    cluster: {
      access: "admin",
      openapi: {
        summary: "Nodes, and each service with the nodes that host it",
        response: object({
          nodes: arrayOf(
            object({
              id: string,
              instanceID: string,
              available: boolean,
              local: boolean,
              services: arrayOf(string),
            }),
          ),
          services: arrayOf(object({ name: string, instances: integer, nodes: arrayOf(string) })),
        }),
      },
      handler(this: GatewayThis): ClusterView {
        return clusterView(this.broker);
      },
    },

    /** The OpenAPI 3.1 description, built once from the routes and the actions' rules. */
    openapi: {
      access: "public",
      async handler(this: GatewayThis) {
        const modules = serviceModulesOf(this.broker);
        this.description ??= publishedActions(ApiService, modules).then((actions) =>
          openApiDocument(
            this.surface.documented,
            actions,
            packageVersion(),
            this.surface.errorTypes,
          ),
        );
        return this.description;
      },
    },

    home: {
      access: "public",
      openapi: {
        summary: "Where to read the API: sends a browser to the docs page",
        status: 302,
        response: object({ docs: string, openapi: string }),
      },
      handler(ctx: Context<unknown, CallerMeta>) {
        ctx.meta.$statusCode = 302;
        ctx.meta.$location = DOCS_PATH;
        return { docs: DOCS_PATH, openapi: "/api/v1/openapi.json" };
      },
    },

    docsPage: {
      access: "public",
      handler(ctx: Context<unknown, CallerMeta>) {
        // The page's asset URLs are relative: from `/api/v1/docs/` they would miss (a blank page).
        if (ctx.meta.trailingSlash) {
          ctx.meta.$statusCode = 308;
          ctx.meta.$location = "../docs";
          return "";
        }
        ctx.meta.$responseType = "text/html; charset=utf-8";
        ctx.meta.$responseHeaders = DOCS_HEADERS;
        return DOCS_PAGE;
      },
    },

    docsAsset: {
      access: "public",
      params: { file: { type: "string", max: 64 } },
      async handler(this: GatewayThis, ctx: Context<{ file: string }, CallerMeta>) {
        const { file } = ctx.params;
        if (!isDocsAsset(file)) throw notFound("File");
        // Read once; a failed read is not kept, so the next request tries again.
        if (!this.docsAssets.has(file))
          this.docsAssets.set(
            file,
            readDocsAsset(file).catch((err: unknown) => {
              this.docsAssets.delete(file);
              throw err;
            }),
          );
        ctx.meta.$responseType = docsAssetType(file);
        ctx.meta.$responseHeaders = { ...DOCS_HEADERS, "Cache-Control": "public, max-age=3600" };
        return this.docsAssets.get(file);
      },
    },
  } satisfies Actions,

  methods: {
    /**
     * moleculer-web logs every 5xx at ERROR with a stack, before the route's onError logs it
     * again: errors are logged once, by sendError.
     */
    errorHandler(this: GatewayThis, req: Request, res: ServerResponse, err: unknown) {
      sendError.call(this, req, res, err);
    },
    /**
     * moleculer-web's server, with timeouts that a slow client cannot stretch: headers and the
     * whole request must arrive in time, checked every second (Node checks every 30 s by default).
     */
    createServer(this: GatewayThis) {
      if (this.server) return;
      // Called by moleculer-web's `created`, before ours has set `this.bazaar`.
      const settings = gatewaySettings(this.broker);
      const server = createServer(
        {
          headersTimeout: settings.gatewayHeadersTimeoutMs,
          requestTimeout: settings.gatewayRequestTimeoutMs,
          connectionsCheckingInterval: 1000,
        },
        this.httpHandler as unknown as RequestListener,
      );
      this.server = failFastListen(server, settings.port, "PORT");
      (this as unknown as { isHTTPS: boolean }).isHTTPS = false;
    },

    /**
     * A bulkhead in front of everything but the health routes: past the limit, 503 at once
     * rather than a queue that grows until every request times out.
     */
    httpHandler(this: GatewayThis, req: Request, res: ServerResponse) {
      const limit = this.bazaar.gatewayMaxInFlight;
      const health = req.url?.startsWith("/health") === true;
      if (this.inFlight >= limit && !health) {
        return sendError.call(this, req, res, unavailable("Too many requests in flight"));
      }
      // This runs when the headers are in, before the body: one client sending slow bodies
      // holds its own share of the bulkhead, not everyone's.
      const client = this.clientAddress(req);
      const ofClient = this.inFlightByClient.get(client) ?? 0;
      if (ofClient >= this.bazaar.gatewayMaxInFlightPerClient && !health) {
        return sendError.call(this, req, res, tooManyRequests(1, "Too many requests in flight"));
      }
      this.inFlightByClient.set(client, ofClient + 1);
      res.once("close", () => {
        const left = (this.inFlightByClient.get(client) ?? 1) - 1;
        if (left > 0) this.inFlightByClient.set(client, left);
        else this.inFlightByClient.delete(client);
      });
      // Leaving (SIGTERM, during SHUTDOWN_DELAY_MS): each answer closes its connection, so no
      // client still holds an idle pooled one, to send on, at the moment the server closes.
      if (!(this.broker as unknown as { started: boolean }).started)
        res.setHeader("Connection", "close");
      this.inFlight++;
      res.once("close", () => this.inFlight--);
      return gatewayHttpHandler.call(this, req, res);
    },

    async loadEndedSessions(this: GatewayThis): Promise<void> {
      const registry = this.broker.registry as unknown as { hasService(n: string): boolean };
      if (!registry.hasService("users")) return;
      await this.sessionFloors.refresh((since) =>
        call(this.broker, Action.users.sessionsEnded, { since }),
      );
    },

    clientAddress(this: GatewayThis, req: Request): string {
      req.$clientIp ??= clientIp(req, this.bazaar.trustProxyHops);
      return req.$clientIp;
    },

    async identify(this: GatewayThis, ctx: Context, req: Request): Promise<Principal | null> {
      const authorization = req.headers.authorization;
      const apiKey = req.headers["x-api-key"];
      if (authorization !== undefined) {
        const [scheme, token] = authorization.split(" ");
        if (scheme !== "Bearer" || !token) throw unauthorized("Malformed Authorization header");
        const subject = verifyAccessToken(token, this.bazaar.jwtSecret);
        if (!subject) throw unauthorized("Invalid or expired token");
        // A token that arrives before the first load waits for one try at it, then fails closed.
        if (!this.sessionFloors.loaded) await this.loadEndedSessions().catch(() => undefined);
        if (!this.sessionFloors.loaded)
          throw unavailable("Sign-in state is still loading; try again shortly");
        if (!this.sessionFloors.accepts(subject))
          throw unauthorized("This session has ended; sign in again");
        return { id: subject.id, roles: subject.roles };
      }
      if (apiKey !== undefined) {
        const key = Array.isArray(apiKey) ? apiKey[0] : apiKey;
        const principal = await call(ctx, Action.users.resolveApiKey, {
          key: key.slice(0, 200),
        });
        if (!principal) throw unauthorized("Invalid API key");
        return principal;
      }
      return null;
    },

    async applyRateLimit(this: GatewayThis, limiter: Limiter, key: string, res: ServerResponse) {
      const settings = this.bazaar;
      const limit = limiter === "auth" ? settings.rateLimitAuth : settings.rateLimitApi;
      const { count, resetInMs } = await this.rateLimits.hit(`${limiter}:${key}`, RATE_WINDOW_MS);
      const resetSeconds = Math.max(1, Math.ceil(resetInMs / 1000));
      res.setHeader("X-RateLimit-Limit", limit);
      res.setHeader("X-RateLimit-Remaining", Math.max(0, limit - count));
      res.setHeader("X-RateLimit-Reset", resetSeconds);
      if (count > limit) {
        countMetric(this.broker, ShopMetric.RATE_LIMIT_REJECTIONS, { limit: limiter });
        throw tooManyRequests(resetSeconds);
      }
    },

    /**
     * Runs before every routed call. Auth routes are limited per client address before
     * anything else; elsewhere the caller is identified first, so the limit is per user or
     * key, and a failed identification still spends the address's budget.
     */
    async authenticate(
      this: GatewayThis,
      ctx: Context,
      route: Route,
      req: Request,
      res: ServerResponse,
    ): Promise<Principal | null> {
      const ip = this.clientAddress(req);
      if (route.opts.limiter === "auth") {
        await this.applyRateLimit("auth", `ip:${ip}`, res);
        return null;
      }
      let caller: Principal | null = null;
      let failure: unknown;
      try {
        caller = await this.identify(ctx, req);
      } catch (err) {
        failure = err;
      }
      const key = caller?.apiKeyId
        ? `key:${caller.apiKeyId}`
        : caller
          ? `user:${caller.id}`
          : `ip:${ip}`;
      await this.applyRateLimit("api", key, res);
      if (failure) throw failure;
      return caller;
    },

    authorize(this: GatewayThis, ctx: Context<unknown, CallerMeta>, _route: Route, req: Request) {
      assertAllowed(
        req.$action ?? {},
        ctx.meta.user ?? null,
        req.method ?? "GET",
        this.clientAddress(req),
        this.bazaar.adminIpAllowlist,
      );
    },
  },

  /** Runs before moleculer-web's `created`, which builds the server and routes from settings. */
  merged(this: GatewayThis, schema: ServiceSchema) {
    const settings = gatewaySettings(this.broker);
    this.surface = gatewayRoutes(serviceModulesOf(this.broker));
    schema.settings = {
      ...schema.settings,
      routes: this.surface.all,
      port: settings.port,
      ip: settings.host,
      cors: corsSettings(settings),
    };
  },

  created(this: GatewayThis) {
    const settings = gatewaySettings(this.broker);
    // moleculer-web logs a server error with its stack; a port in use is said once, plainly.
    this.server.removeAllListeners("error");
    this.server.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") this.logger.error("Server error:", err.message);
    });
    this.bazaar = settings;
    this.inFlight = 0;
    this.inFlightByClient = new Map();
    this.coreWait = coreWaitFrom(Date.now());
    this.docsAssets = new Map();
    this.sessionFloors = new SessionFloors(settings.jwtTtlSeconds);
    this.sessionLoop = new BackgroundLoop(
      "ended sessions",
      SESSION_POLL_MS,
      () => this.loadEndedSessions(),
      this.logger,
    );
    addHealthCheck(this, "sessions", async () => {
      if (!this.sessionFloors.loaded) throw new NotReadyYet("the list of ended sessions");
    });
    if (settings.redisUrl) {
      const { redis, ready } = serviceRedis(this, settings.redisUrl, "bazaar-gateway");
      this.redisReady = ready;
      this.rateLimits = new RedisRateLimitStore(redis);
    } else {
      this.rateLimits = new MemoryRateLimitStore();
    }
  },

  events: {
    "users.sessions.ended"(this: GatewayThis, ctx: Context<SessionsEnded>) {
      this.sessionFloors.record(ctx.params);
    },
    // A node starting beside its users service reads ended sessions as soon as it appears.
    "$services.changed"(this: GatewayThis) {
      if (!this.sessionFloors.loaded) this.sessionLoop.wake();
    },
  },

  async started(this: GatewayThis) {
    this.sessionLoop.start();
    this.sessionLoop.wake();
    await this.redisReady;
    // Longer than a load balancer's idle timeout (60 s on most), so the balancer, not us,
    // closes idle connections and never sends on one we are closing.
    this.server.keepAliveTimeout = 65_000;
  },

  async stopped(this: GatewayThis) {
    await this.sessionLoop.stop();
    this.rateLimits.close();
  },
};

export default ApiService;
