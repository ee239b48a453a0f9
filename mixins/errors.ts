import { Errors } from "moleculer";

/** The error `type`s a client can act on (DESIGN §4); the gateway maps them to statuses. */
export const ErrorType = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  VALIDATION_ERROR: "VALIDATION_ERROR",
  EMAIL_TAKEN: "EMAIL_TAKEN",
  SKU_TAKEN: "SKU_TAKEN",
  DUPLICATE_KEY: "DUPLICATE_KEY",
  OUT_OF_STOCK: "OUT_OF_STOCK",
  PAYMENT_DECLINED: "PAYMENT_DECLINED",
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  INVALID_STATE: "INVALID_STATE",
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

export function conflict(type: ErrorType, message: string) {
  return named(new MoleculerClientError(message, 409, type), "ConflictError");
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
