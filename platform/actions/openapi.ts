import type {} from "moleculer";

/**
 * What a published action says about itself for the API description (services/api/openapi.ts).
 * Its request comes from the action's own validation rules; what it answers is declared here,
 * beside the handler, and the e2e tests check every answer against it.
 */
export type JsonSchema = { [keyword: string]: unknown };

export interface ActionDoc {
  summary: string;
  description?: string;
  /** The success status (200 unless said). */
  status?: 200 | 201 | 202 | 204 | 302;
  /** The success body (none with 204). */
  response?: JsonSchema;
  /** The body, as a validation rule, when the params cannot say it (a JSON array, whole). */
  body?: Record<string, unknown>;
  /** Request headers the action reads (handed over as meta by the route). */
  headers?: { name: string; required: boolean; description: string; schema: JsonSchema }[];
  /** A request body to show, when the schema's own placeholders would not work. */
  example?: unknown;
  /** Client errors particular to this action (402, 409, …), beyond those every route has. */
  errors?: number[];
  /** Statuses that answer with the success body's shape (a health report's 503). */
  sameBodyOn?: number[];
}

export const string: JsonSchema = { type: "string" };
export const integer: JsonSchema = { type: "integer" };
export const number: JsonSchema = { type: "number" };
export const boolean: JsonSchema = { type: "boolean" };
/** ISO-8601 in UTC, as every time in the API. */
export const dateTime: JsonSchema = { type: "string", format: "date-time" };

export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: "array", items };
}

export function oneOf(values: readonly string[]): JsonSchema {
  return { type: "string", enum: [...values] };
}

/**
 * An object with exactly these fields: all required but those in `optional`, and nothing
 * else, so a field that leaks into an answer (a password hash) fails the contract test.
 * A `title` makes it a named schema of the description.
 */
export function object(
  properties: Record<string, JsonSchema>,
  optional: string[] = [],
  title?: string,
): JsonSchema {
  return {
    ...(title ? { title } : {}),
    type: "object",
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    additionalProperties: false,
  };
}

/** A map from names the caller chose to values of one shape. */
export function mapOf(values: JsonSchema): JsonSchema {
  return { type: "object", additionalProperties: values };
}

/** A page of a list, as every list in the API is (`platform/data/pagination.ts`). */
export function pageOf(row: JsonSchema): JsonSchema {
  const title = typeof row.title === "string" ? `${row.title}Page` : undefined;
  return object(
    { rows: arrayOf(row), total: integer, page: integer, pageSize: integer, totalPages: integer },
    [],
    title,
  );
}

declare module "moleculer" {
  interface ActionSchema {
    /** How a routed action appears in the API description. */
    openapi?: ActionDoc;
  }
}
