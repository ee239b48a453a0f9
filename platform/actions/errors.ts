import { Errors } from "moleculer";
import type { ShopError } from "../../contracts/errors";

/**
 * The error `type`s a client can act on that any service may raise (architecture §4); the
 * shop's own are in contracts/errors.ts. The gateway maps them to statuses.
 */
export const ErrorType = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  VALIDATION_ERROR: "VALIDATION_ERROR",
  DUPLICATE_KEY: "DUPLICATE_KEY",
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  INVALID_STATE: "INVALID_STATE",
  /** 409: accepted earlier and not finished yet; ask again after `data.retryAfter` seconds. */
  STILL_PROCESSING: "STILL_PROCESSING",
  RATE_LIMITED: "RATE_LIMITED",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL_ERROR: "INTERNAL_ERROR",
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

const { MoleculerClientError, MoleculerRetryableError } = Errors;

function named<E extends Error>(error: E, name: string): E {
  error.name = name;
  return error;
}

export function badRequest(message: string) {
  return named(new MoleculerClientError(message, 400, ErrorType.BAD_REQUEST), "BadRequestError");
}

export function unauthorized(message = "Authentication required") {
  return named(new MoleculerClientError(message, 401, ErrorType.UNAUTHORIZED), "UnauthorizedError");
}

export function forbidden(message = "Not allowed") {
  return named(new MoleculerClientError(message, 403, ErrorType.FORBIDDEN), "ForbiddenError");
}

export function notFound(what: string) {
  return named(
    new MoleculerClientError(`${what} not found`, 404, ErrorType.NOT_FOUND),
    "NotFoundError",
  );
}

export function conflict(type: string, message: string) {
  return named(new MoleculerClientError(message, 409, type), "ConflictError");
}

/**
 * A unique index refused a write: the data layer's error, whatever conflict type the index
 * declares for the client (`DUPLICATE_KEY`, or a service's own such as `EMAIL_TAKEN`). Caught by its class,
 * never by a status.
 */
export class DuplicateKeyError extends MoleculerClientError {
  constructor(type: string, message: string) {
    super(message, 409, type);
    this.name = "DuplicateKeyError";
  }
}

export function isDuplicate(err: unknown): err is DuplicateKeyError {
  return err instanceof DuplicateKeyError;
}

/** Whether an error, ours or one that crossed the network, carries this `type`. */
/**
 * Every error type a client can act on: the platform's generic ones and the shop's own
 * (contracts/errors.ts). Telling errors apart takes one of these, so a misspelt type fails the
 * type check instead of never matching.
 */
export type KnownErrorType = ErrorType | ShopError;

export function hasType(err: unknown, type: KnownErrorType): boolean {
  return (err as { type?: unknown } | null)?.type === type;
}

/**
 * A refusal of the request itself (bad input, not found, not allowed, a conflict), as opposed
 * to a failure to answer (down, slow, too busy): asking again cannot help. Told by class: a client
 * error, which `ClientErrorRegenerator` keeps one across nodes, that is neither marked retryable
 * nor a rate limit (which says "later", not "no").
 */
export function isRequestRefused(err: unknown): boolean {
  return (
    err instanceof MoleculerClientError &&
    err.retryable !== true &&
    !hasType(err, ErrorType.RATE_LIMITED)
  );
}

/**
 * Failures of the way to a node, not of the node: the local transporter is away, or the node is
 * gone or never got the call. They say nothing of the endpoint's health.
 */
const TRANSPORT_FAILURES = new Set([
  "BAD_GATEWAY",
  "UNDELIVERED",
  "REQUEST_REJECTED",
  "SERVICE_NOT_AVAILABLE",
]);

/**
 * What a circuit breaker counts against an endpoint: a server error or a timeout of its own.
 * A NATS outage fails every call as "bad gateway"; counted, it would open breakers on healthy
 * endpoints, which then refuse for their whole half-open time after NATS is back.
 */
export function isEndpointFault(err: unknown): boolean {
  const { code, type } = (err ?? {}) as { code?: unknown; type?: unknown };
  const status = typeof code === "number" ? code : 500;
  return status >= 500 && !(typeof type === "string" && TRANSPORT_FAILURES.has(type));
}

/**
 * A request refused until it is paid differently (a card declined): `kind` is the error's type,
 * message and name, declared once in contracts/, and `data` says what the client can act on.
 */
export function paymentRequired(
  kind: { type: string; message: string; name: string },
  data: object,
) {
  return named(new MoleculerClientError(kind.message, 402, kind.type, data), kind.name);
}

export interface FieldProblem {
  field: string;
  message: string;
  type: string;
}

export function invalid(problems: FieldProblem[], message = "Parameters validation error!") {
  return named(
    new MoleculerClientError(message, 422, ErrorType.VALIDATION_ERROR, problems),
    "ValidationError",
  );
}

export function tooManyRequests(retryAfterSeconds: number, message = "Too many requests") {
  const error = new MoleculerClientError(message, 429, ErrorType.RATE_LIMITED, {
    retryAfter: retryAfterSeconds,
  });
  return named(error, "RateLimitedError");
}

export function unavailable(message = "Service unavailable", data?: Record<string, unknown>) {
  const error = new MoleculerRetryableError(message, 503, ErrorType.SERVICE_UNAVAILABLE, data);
  return named(error, "ServiceUnavailableError");
}

export function payloadTooLarge(message: string) {
  return named(
    new MoleculerClientError(message, 413, ErrorType.PAYLOAD_TOO_LARGE),
    "PayloadTooLarge",
  );
}

/** 422 with a service's own type: the request was understood, and what it holds is refused. */
export function unprocessable(type: string, message: string) {
  return named(new MoleculerClientError(message, 422, type), "UnprocessableError");
}

/**
 * 503 with a service's own type and words: a capability this node lacks (an engine not
 * installed), said plainly, which retrying elsewhere may cure. Not retried by the broker.
 */
export function lacking(type: string, message: string) {
  return named(new Errors.MoleculerError(message, 503, type), "ServiceUnavailableError");
}
