import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Errors, type Context, type Service, type ServiceBroker } from "moleculer";
import type { Settings } from "../../contracts/settings";
import type { Principal } from "../../platform/actions/access";
import { badRequest } from "../../platform/actions/errors";
import type { BackgroundLoop } from "../../platform/messaging/background-loop";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import type { ActionAccess } from "./access-check";
import type { Bulkhead } from "./bulkhead";
import type { ClassroomSockets } from "./classroom-socket";
import { toHttpError } from "./http-errors";
import type { OpenApiDocument } from "./openapi";
import type { RateLimitStore, WindowCount } from "./rate-limit";
import type { ReadyAnswers } from "./ready-answers";
import type { CoreWait } from "./readiness";
import type { GatewayRoutes, Limiter } from "./routes";
import type { SessionFloors } from "./session-floors";
import { apiSettings, type ApiSettings } from "./settings";

/** The gateway service as its handlers see it: what `created` sets up, and its methods. */
export type Request = IncomingMessage & {
  $action?: ActionAccess & { name?: string };
  $ctx?: Context;
  $clientIp?: string;
  /** The caller, once identified (null: nobody); a failed identification is not kept. */
  $caller?: Principal | null;
  $alias?: { type?: string };
};
export type Route = { opts: { limiter?: Limiter } };

export type GatewayThis = Service & {
  bazaar: GatewaySettings;
  surface: GatewayRoutes;
  server: Server;
  rateLimits: RateLimitStore;
  bulkhead: Bulkhead;
  readyAnswers: ReadyAnswers;
  redisReady?: Promise<void>;
  description?: Promise<OpenApiDocument>;
  docsAssets: Map<string, Promise<Buffer>>;
  sessionFloors: SessionFloors;
  sessionLoop: BackgroundLoop;
  classroom: ClassroomSockets;
  coreWait: CoreWait;
  clientAddress(req: Request): string;
  loadEndedSessions(): Promise<void>;
  identify(ctx: Context, req: Request): Promise<Principal | null>;
  applyRateLimit(limiter: Limiter, key: string, res: ServerResponse): void | Promise<void>;
  spendRateLimit(limiter: Limiter, window: WindowCount, res: ServerResponse): void;
};

export type GatewaySettings = Settings & ApiSettings;
export const gatewaySettings = (broker: ServiceBroker): GatewaySettings => ({
  ...settingsOf(broker),
  ...ownSettings(broker, apiSettings),
});

/**
 * The multipart parser refuses a body that is not a form (a wrong Content-Type, a cut or
 * garbled part) with a plain error: the client's mistake, so a 400 and not a fault of ours.
 */
function malformedUpload(req: Request, err: unknown): Error | undefined {
  if (req.$alias?.type !== "multipart" || err instanceof Errors.MoleculerError) return undefined;
  return badRequest("Send the file as a multipart/form-data upload with one file part");
}

/** One line a failed request, and the documented error body with its retry headers. */
export function sendError(
  this: GatewayThis,
  req: Request,
  res: ServerResponse,
  err: unknown,
): void {
  const error = toHttpError(malformedUpload(req, err) ?? err, this.surface?.errorTypes);
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
  // Only the types whose data a client acts on keep it: a 429, or a 409 still processing.
  if (retryAfter !== undefined) res.setHeader("Retry-After", retryAfter);
  if (error.code === 503) res.setHeader("Retry-After", 1);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.writeHead(error.code);
  res.end(JSON.stringify(error));
}

export function corsSettings(settings: GatewaySettings) {
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
