import { ownValue } from "../../platform/data/own-value";
import { ErrorType } from "../../platform/actions/errors";
import { ShopError } from "../../contracts/errors";

export interface ErrorBody {
  name: string;
  message: string;
  code: number;
  type: string;
  data?: unknown;
}

type AnyError = Error & {
  code?: unknown;
  type?: unknown;
  data?: unknown;
  status?: unknown;
  retryable?: boolean;
};

/** The documented type for a status, when an error's own type is not one a client knows. */
const TYPE_BY_STATUS: Record<number, string> = {
  400: ErrorType.BAD_REQUEST,
  401: ErrorType.UNAUTHORIZED,
  403: ErrorType.FORBIDDEN,
  404: ErrorType.NOT_FOUND,
  409: ErrorType.DUPLICATE_KEY,
  413: ErrorType.PAYLOAD_TOO_LARGE,
  422: ErrorType.VALIDATION_ERROR,
  429: ErrorType.RATE_LIMITED,
};
const DOCUMENTED_TYPES = new Set<string>([
  ...Object.values(ErrorType),
  ...Object.values(ShopError),
]);

/**
 * The refusals whose `data` a client acts on (when to retry, which courses to take first);
 * every other error's data stays inside, as it may name internals.
 */
const TYPES_WITH_DATA = new Set<string>([
  ErrorType.RATE_LIMITED,
  ErrorType.STILL_PROCESSING,
  ShopError.PREREQUISITES_NOT_MET,
  ShopError.ALREADY_ENROLLED,
]);

/** Errors that mean "a dependency is down or overloaded", whatever status they carry. */
const UNAVAILABLE_TYPES = new Set([
  "SERVICE_NOT_FOUND",
  "SERVICE_NOT_AVAILABLE",
  "REQUEST_TIMEOUT",
  "QUEUE_FULL",
  "CIRCUIT_BREAKER_OPENED",
  "REQUEST_SKIPPED",
  "REQUEST_REJECTED",
  "BAD_GATEWAY",
]);

/** body-parser's stable error types, the only errors that reach us without a Moleculer shape. */
function bodyParserError(err: AnyError): ErrorBody | null {
  if (err.type === "entity.parse.failed")
    return body(
      400,
      ErrorType.BAD_REQUEST,
      "Malformed JSON in the request body",
      "BadRequestError",
    );
  if (err.type === "entity.too.deep")
    return body(400, ErrorType.BAD_REQUEST, err.message, "BadRequestError");
  if (err.type === "entity.too.large")
    return body(413, ErrorType.PAYLOAD_TOO_LARGE, "Request body too large", "PayloadTooLarge");
  if (
    err.status === 415 ||
    err.type === "encoding.unsupported" ||
    err.type === "charset.unsupported"
  )
    return body(400, ErrorType.BAD_REQUEST, "Unsupported body encoding", "BadRequestError");
  return null;
}

function body(
  code: number,
  type: string,
  message: string,
  name: string,
  data?: unknown,
): ErrorBody {
  return data === undefined ? { name, message, code, type } : { name, message, code, type, data };
}

/** At most this many problems are listed: a hostile body must not make a larger answer. */
export const MAX_LISTED_PROBLEMS = 20;

/** Validation problems name the field and the rule; the rejected value is never echoed back. */
function validationProblems(data: unknown): unknown {
  if (!Array.isArray(data)) return undefined;
  return data
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p: { field?: unknown; message?: unknown; type?: unknown; actual?: unknown }) =>
      // For a strict object, `actual` lists the unknown keys the client sent: name them.
      p.type === "objectStrict"
        ? {
            field: p.field ? `${String(p.field)}.${p.actual}` : String(p.actual),
            message: `Not an accepted field: ${p.actual}`,
            type: p.type,
          }
        : { field: p.field, message: String(p.message ?? "").slice(0, 300), type: p.type },
    );
}

/**
 * The one place where an error becomes an HTTP answer (architecture §4): client errors keep their
 * message and a documented type; everything else is a bare 500 or 503 with no internals.
 */
export function toHttpError(
  error: unknown,
  serviceTypes: ReadonlySet<string> = new Set(),
): ErrorBody {
  const err = (error instanceof Error ? error : new Error(String(error))) as AnyError;
  const parsed = bodyParserError(err);
  if (parsed) return parsed;

  const code = typeof err.code === "number" ? err.code : 500;
  const type = typeof err.type === "string" ? err.type : "";
  // A service's own 503 says what this node lacks, in words it chose for clients.
  if (code === 503 && serviceTypes.has(type))
    return body(503, type, err.message.slice(0, 300), "ServiceUnavailableError");
  if (UNAVAILABLE_TYPES.has(type) || code === 503 || code === 504)
    return body(
      503,
      ErrorType.SERVICE_UNAVAILABLE,
      "Service unavailable, try again later",
      "ServiceUnavailableError",
    );
  if (code >= 400 && code < 500) {
    const known = DOCUMENTED_TYPES.has(type) || serviceTypes.has(type);
    const documented422 = code === 422 && known && type !== "VALIDATION_ERROR";
    if (!documented422 && (code === 422 || type === "VALIDATION_ERROR")) {
      const count = Array.isArray(err.data) ? err.data.length : 0;
      const listed =
        count > MAX_LISTED_PROBLEMS
          ? ` (${count} problems; the first ${MAX_LISTED_PROBLEMS} are listed)`
          : "";
      return body(
        422,
        ErrorType.VALIDATION_ERROR,
        err.message.slice(0, 500) + listed,
        "ValidationError",
        validationProblems(err.data),
      );
    }
    const documented = known ? type : (ownValue(TYPE_BY_STATUS, code) ?? ErrorType.BAD_REQUEST);
    const status = TYPE_BY_STATUS[code] || code === 402 ? code : 400;
    const data = TYPES_WITH_DATA.has(type) ? err.data : undefined;
    return body(status, documented, err.message, err.name, data);
  }
  return body(500, ErrorType.INTERNAL_ERROR, "Internal server error", "InternalServerError");
}
