import { call } from "../../platform/actions/typed-call";
import type { Actions } from "../../platform/actions/action-properties";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { Context, type ServiceSchema, type ServiceSettingSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { CallerMeta, Principal } from "../../platform/actions/access";
import { tooManyRequests } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { countMetric } from "../../platform/observability/metrics";
import { arrayOf, boolean, integer, object, string } from "../../platform/actions/openapi";
import { serviceRedis } from "../../platform/runtime/redis";
import { serviceModulesOf } from "../../platform/runtime/settings-of";
import { assertAllowed } from "./access-check";
import { assertPolicyAllows } from "./policy-gate";
import { nodePolicies, PolicyClientMixin } from "../../mixins/policy-client.mixin";
import { FlagsClientMixin } from "../../mixins/flags-client.mixin";
import { clientIp } from "./client-ip";
import { clusterView, type ClusterView } from "./cluster-view";
import { MemoryRateLimitStore, RedisRateLimitStore, type WindowCount } from "./rate-limit";
import { coreWaitFrom } from "./readiness";
import { SessionFloors, type SessionsEnded } from "./session-floors";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { addHealthCheck, NotReadyYet } from "../../platform/runtime/health";
import { gatewayServer } from "./http-server";
import { Bulkhead } from "./bulkhead";
import { identify } from "./identity";
import { gatewayRoutes, type Limiter } from "./routes";
import {
  corsSettings,
  gatewaySettings,
  sendError,
  type GatewayThis,
  type Request,
  type Route,
} from "./gateway-this";
import { healthActions } from "./health-actions";
import { docsActions } from "./docs-actions";
import { ShopMetric } from "../../contracts/metrics";
import { Action } from "../../contracts/actions";
import { ROOM_BROADCAST, type RoomBroadcast } from "../../contracts/classroom";
import { ClassroomSockets } from "./classroom-socket";
import { verifyAccessToken } from "../../platform/actions/jwt";
import { requestIdOf } from "./request-id";
import { ReadyAnswers } from "./ready-answers";
import { answerReadyRead, keepReadyAnswer, type ReadyRequest } from "./ready-read";
import { PRODUCTS_CHANGED, type ProductsChanged } from "../../contracts/catalog";

const RATE_WINDOW_MS = 60_000;
/** The catalog's own cache keeps a read this long when a change's broadcast is lost. */
const READY_ANSWER_TTL_MS = 60_000;
/** How stale a gateway's list of ended sessions may be when a broadcast was lost. */
const SESSION_POLL_MS = 2000;

const gatewayHttpHandler = (
  ApiGateway as unknown as { methods: { httpHandler: (...a: unknown[]) => unknown } }
).methods.httpHandler;

type PlacedResponse = ServerResponse & { $place: { release(): void } };
/** One listener for every response, not a closure each. */
function releasePlace(this: ServerResponse): void {
  (this as PlacedResponse).$place.release();
}

const ApiService: ServiceSchema<ServiceSettingSchema, GatewayThis> = {
  name: "api",
  mixins: [
    ApiGateway as unknown as Partial<ServiceSchema>,
    PolicyClientMixin,
    FlagsClientMixin,
    HealthMixin,
  ],

  settings: {
    port: 3000,
    ip: "127.0.0.1",
    log4XXResponses: false,
    logRequest: "debug",
    logResponse: "debug",
    rootCallOptions(options: { requestID?: string }, req: IncomingMessage) {
      options.requestID = requestIdOf(req);
    },
    onError: sendError,
  },

  actions: {
    ...healthActions,
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

    ...docsActions,
  } satisfies Actions,

  methods: {
    /**
     * moleculer-web logs every 5xx at ERROR with a stack, before the route's onError logs it
     * again: errors are logged once, by sendError.
     */
    errorHandler(this: GatewayThis, req: Request, res: ServerResponse, err: unknown) {
      sendError.call(this, req, res, err);
    },
    createServer(this: GatewayThis) {
      if (this.server) return;
      // Called by moleculer-web's `created`, before ours has set `this.bazaar`.
      const settings = gatewaySettings(this.broker);
      this.server = gatewayServer(settings, this.httpHandler as unknown as RequestListener);
      (this as unknown as { isHTTPS: boolean }).isHTTPS = false;
    },

    /** The bulkhead in front of everything; health probes are counted, never turned away. */
    httpHandler(this: GatewayThis, req: Request, res: ServerResponse) {
      const health = req.url?.startsWith("/health") === true;
      try {
        (res as PlacedResponse).$place = this.bulkhead.admit(this.clientAddress(req), health);
      } catch (err) {
        return sendError.call(this, req, res, err);
      }
      res.once("close", releasePlace);
      // Leaving (SIGTERM, during SHUTDOWN_DELAY_MS): each answer closes its connection, so no
      // client still holds an idle pooled one, to send on, at the moment the server closes.
      if (!(this.broker as unknown as { started: boolean }).started)
        res.setHeader("Connection", "close");
      const answered = req.method === "GET" && answerReadyRead(this, this.readyAnswers, req, res);
      if (answered === true) return;
      if (answered === false) return gatewayHttpHandler.call(this, req, res);
      return answered.then(
        (done) => done || gatewayHttpHandler.call(this, req, res),
        (err: unknown) => sendError.call(this, req, res, err),
      );
    },

    /** A routed answer, about to be sent: a product read's is kept to be answered again. */
    answered(
      this: GatewayThis,
      req: ReadyRequest,
      res: ServerResponse,
      caller: Principal | null,
      data: unknown,
    ) {
      keepReadyAnswer(this.readyAnswers, req, res, caller, data);
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

    /** Once a request: a held read that could not be answered has told who the caller is. */
    identify(this: GatewayThis, ctx: Context, req: Request): Promise<Principal | null> {
      if (req.$caller !== undefined) return Promise.resolve(req.$caller);
      return identify(
        {
          jwtSecret: this.bazaar.jwtSecret,
          sessionFloors: this.sessionFloors,
          loadEndedSessions: () => this.loadEndedSessions(),
          resolveApiKey: (key) => call(ctx, Action.users.resolveApiKey, { key }),
        },
        req,
      );
    },

    /** Spends a request of the caller's budget; over it, 429. At once when the store is local. */
    applyRateLimit(this: GatewayThis, limiter: Limiter, key: string, res: ServerResponse) {
      const hit = this.rateLimits.hit(`${limiter}:${key}`, RATE_WINDOW_MS);
      return hit instanceof Promise
        ? hit.then((window) => this.spendRateLimit(limiter, window, res))
        : this.spendRateLimit(limiter, hit, res);
    },

    spendRateLimit(this: GatewayThis, limiter: Limiter, window: WindowCount, res: ServerResponse) {
      const settings = this.bazaar;
      const limit = limiter === "auth" ? settings.rateLimitAuth : settings.rateLimitApi;
      const resetSeconds = Math.max(1, Math.ceil(window.resetInMs / 1000));
      res.setHeader("X-RateLimit-Limit", limit);
      res.setHeader("X-RateLimit-Remaining", Math.max(0, limit - window.count));
      res.setHeader("X-RateLimit-Reset", resetSeconds);
      if (window.count > limit) {
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
      const credentials = req.headers.authorization ?? req.headers["x-api-key"];
      if (route.opts.limiter === "probe" && credentials === undefined) return null;
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
      const ip = this.clientAddress(req);
      const method = req.method ?? "GET";
      assertAllowed(
        req.$action ?? {},
        ctx.meta.user ?? null,
        method,
        ip,
        this.bazaar.adminIpAllowlist,
      );
      ctx.meta.clientIp = ip;
      assertPolicyAllows(nodePolicies(this.broker), req.$action ?? {}, ctx.meta.user ?? null, {
        ip,
        method,
        requestId: ctx.requestID ?? undefined,
      });
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
    this.readyAnswers = new ReadyAnswers(settings.gatewayReadyAnswers, READY_ANSWER_TTL_MS);
    this.bulkhead = new Bulkhead(settings.gatewayMaxInFlight, settings.gatewayMaxInFlightPerClient);
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
    [ROOM_BROADCAST](this: GatewayThis, ctx: Context<RoomBroadcast>) {
      this.classroom?.deliver(ctx.params);
    },
    [PRODUCTS_CHANGED](this: GatewayThis, ctx: Context<ProductsChanged>) {
      this.readyAnswers.changed(ctx.params.ids);
    },
    "users.sessions.ended"(this: GatewayThis, ctx: Context<SessionsEnded>) {
      this.sessionFloors.record(ctx.params);
      this.classroom?.signedOut(ctx.params.userId);
    },
    // A node starting beside its users service reads ended sessions as soon as it appears.
    "$services.changed"(this: GatewayThis) {
      if (!this.sessionFloors.loaded) this.sessionLoop.wake();
      // A classroom node came or went: the rooms it won or held are seated again.
      this.classroom?.roomsMoved();
    },
  },

  async started(this: GatewayThis) {
    this.sessionLoop.start();
    this.sessionLoop.wake();
    await this.redisReady;
    // Longer than a load balancer's idle timeout (60 s on most), so the balancer, not us,
    // closes idle connections and never sends on one we are closing.
    this.server.keepAliveTimeout = 65_000;
    this.classroom = new ClassroomSockets({
      broker: this.broker,
      principalOf: (token) =>
        this.identify(Context.create(this.broker), {
          headers: { authorization: `Bearer ${token}` },
        } as Request),
      expiryOf: (token) => {
        const expiresAt = verifyAccessToken(token, this.bazaar.jwtSecret)?.expiresAt;
        return expiresAt === undefined ? undefined : expiresAt * 1000;
      },
      addressOf: (req) => this.clientAddress(req as Request),
      allowedOrigins: this.bazaar.corsOrigins,
      maxSockets: this.bazaar.classroomSocketsPerNode,
      maxSocketsPerAddress: this.bazaar.classroomSocketsPerAddress,
      pingMs: this.bazaar.classroomPingMs,
      maxBufferedBytes: this.bazaar.classroomMaxBufferedBytes,
    });
    this.server.on("upgrade", (req, socket, head) => this.classroom.upgrade(req, socket, head));
  },

  async stopped(this: GatewayThis) {
    this.classroom?.close();
    await this.sessionLoop.stop();
    this.rateLimits.close();
  },
};

export default ApiService;
