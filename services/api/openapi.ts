import { ownValue } from "../../platform/data/own-value";
import { isDeepStrictEqual } from "node:util";
import type { Access } from "../../platform/actions/access";
import {
  integer,
  object,
  oneOf,
  string,
  type ActionDoc,
  type JsonSchema,
} from "../../platform/actions/openapi";
import { isRequired, objectSchema, ruleSchema, type Params } from "./validator-schema";
import { ErrorType } from "../../platform/actions/errors";
import { ShopError } from "../../contracts/errors";
import { actionOf, UPLOAD } from "./routes";

/** The error body every failure has (architecture §4): never a stack or an internal detail. */
const errorBody = (serviceTypes: Iterable<string> = []) =>
  object(
    {
      name: string,
      message: string,
      code: integer,
      type: oneOf([
        ...new Set([...Object.values(ErrorType), ...Object.values(ShopError), ...serviceTypes]),
      ]),
      data: {},
    },
    ["data"],
    "Error",
  );
const ERROR_BODY = errorBody();

/**
 * The OpenAPI 3.1 description of the REST API, built from what serves it: the gateway's
 * route aliases (routes.ts) and each routed action's validation rules and `openapi` note.
 * Pure, so it is tested without a broker; the gateway builds it once, on first request.
 */
export interface DocumentedRoute {
  path: string;
  aliases: Record<string, string>;
  limiter?: string;
  authentication?: boolean;
  mergeParams?: boolean;
}

export interface PublishedAction {
  params?: Params;
  access?: Access;
  sessionOnly?: boolean;
  scope?: string;
  openapi?: ActionDoc;
}

export type OpenApiDocument = JsonSchema & {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

type Operation = JsonSchema & { responses: Record<string, JsonSchema> };

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** An upload route's body: one file in a multipart form. */
const FILE_UPLOAD: JsonSchema = {
  required: true,
  content: {
    "multipart/form-data": {
      schema: {
        type: "object",
        properties: { file: { type: "string", format: "binary" } },
        required: ["file"],
      },
    },
  },
};

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No content",
  302: "Found: `Location` says where",
  400: "Malformed JSON",
  401: "Not signed in, or a missing, malformed, expired or forged token or key",
  402: "Payment declined",
  403: "Signed in but not allowed",
  404: "Not found (also another user's)",
  409: "Conflict with the current state; `STILL_PROCESSING`: accepted and not finished, retry after `Retry-After` seconds",
  413: "Body too large",
  422: "Validation failed: `data` lists each problem",
  429: "Rate limited: retry after `Retry-After` seconds",
  503: "A dependency is down or a circuit is open: retry after `Retry-After` seconds",
};

const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } },
};

/** `/products/:id` → `/products/{id}`, and the names of its path parameters. */
export function openApiPath(path: string): { path: string; names: string[] } {
  const names: string[] = [];
  const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    names.push(name);
    return `{${name}}`;
  });
  return { path: converted, names };
}

function joinPath(prefix: string, alias: string): string {
  const joined = `${prefix}/${alias}`.replace(/\/+/g, "/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}

function security(action: PublishedAction): JsonSchema[] {
  const signedIn = action.sessionOnly ? [{ bearer: [] }] : [{ bearer: [] }, { apiKey: [] }];
  return (action.access ?? "user") === "public" ? [{}, ...signedIn] : signedIn;
}

function whoMayCall(action: PublishedAction, method: string): string {
  const access = action.access ?? "user";
  const scope = action.scope ?? (method === "GET" ? "read" : "write");
  if (access === "public")
    return `Anyone. An API key, when one is sent, needs the \`${scope}\` scope (a key's scopes bound everything it does).`;
  const who = access === "admin" ? "Admins only." : "Signed-in users.";
  if (action.sessionOnly) return `${who} A signed-in session (Bearer token), not an API key.`;
  return `${who} An API key needs the \`${scope}\` scope${access === "admin" ? " and `admin`" : ""}.`;
}

/** The failures a route can answer, from how it is served; the action adds its own. */
function errorStatuses(
  route: DocumentedRoute,
  action: PublishedAction,
  method: string,
  hasPathParams: boolean,
  hasInput: boolean,
): number[] {
  const statuses = new Set<number>([503, ...(action.openapi?.errors ?? [])]);
  if (route.limiter) statuses.add(429);
  // An API key lacking the scope is refused on public routes too.
  if (route.authentication) [401, 403].forEach((s) => statuses.add(s));
  if ((action.access ?? "user") !== "public") statuses.add(403);
  if (hasPathParams) statuses.add(404);
  if (hasInput) statuses.add(422);
  if (BODY_METHODS.has(method)) [400, 413].forEach((s) => statuses.add(s));
  for (const s of action.openapi?.sameBodyOn ?? []) statuses.delete(s);
  return [...statuses].sort();
}

function operation(
  route: DocumentedRoute,
  method: string,
  pathNames: string[],
  name: string,
  action: PublishedAction,
): Operation {
  const doc = action.openapi;
  if (!doc) throw new Error(`${name} is routed but has no openapi note`);
  const params = action.params ?? {};
  const parameters: JsonSchema[] = pathNames.map((p) => {
    if (!(p in params)) throw new Error(`${name}: path parameter '${p}' has no rule`);
    return { name: p, in: "path", required: true, schema: ruleSchema(p, params[p]) };
  });
  for (const header of doc.headers ?? []) parameters.push({ in: "header", ...header });
  const rest = Object.fromEntries(
    Object.entries(params).filter(([field]) => !pathNames.includes(field)),
  );
  const fields = Object.keys(rest).filter((f) => !f.startsWith("$$"));
  let requestBody: JsonSchema | undefined;
  if (route.mergeParams === false) {
    if (!doc.body) throw new Error(`${name} takes its body whole: its openapi note needs a body`);
    requestBody = body(ruleSchema("body", doc.body), true);
  } else if (BODY_METHODS.has(method) && fields.length > 0) {
    const schema = objectSchema(rest, rest.$$strict);
    requestBody = body(schema, Array.isArray(schema.required), doc.example);
  } else {
    for (const field of fields)
      parameters.push({
        name: field,
        in: "query",
        required: isRequired(rest[field]),
        schema: ruleSchema(field, rest[field]),
      });
  }

  const status = doc.status ?? 200;
  const responses: Record<string, JsonSchema> = {
    [status]: doc.response
      ? { description: STATUS_TEXT[status], content: json(doc.response) }
      : { description: STATUS_TEXT[status] },
  };
  for (const s of doc.sameBodyOn ?? []) {
    if (!doc.response) throw new Error(`${name} answers ${s} with its body, but has none`);
    responses[s] = {
      description: ownValue(STATUS_TEXT, s) ?? String(s),
      content: json(doc.response),
    };
  }
  const hasInput = fields.length > 0 || pathNames.length > 0 || requestBody !== undefined;
  for (const s of errorStatuses(route, action, method, pathNames.length > 0, hasInput))
    responses[s] = {
      description: ownValue(STATUS_TEXT, s) ?? String(s),
      ...(s === 409 || s === 429 || s === 503 ? { headers: RETRY_AFTER } : {}),
      content: json(ERROR_BODY),
    };

  return {
    operationId: name,
    tags: [name.split(".")[0]],
    summary: doc.summary,
    description: [doc.description, whoMayCall(action, method)].filter(Boolean).join("\n\n"),
    ...(route.authentication ? { security: security(action) } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

function json(schema: JsonSchema): JsonSchema {
  return { "application/json": { schema } };
}

function body(schema: JsonSchema, required: boolean, example?: unknown): JsonSchema {
  const content = json(schema);
  if (example !== undefined) (content["application/json"] as JsonSchema).example = example;
  return { required, content };
}

/**
 * Moves every schema with a `title` into `components.schemas`, leaving a `$ref` behind, so a
 * shape used by many answers is described once. Two different shapes under one title throw.
 */
export function hoistNamedSchemas(value: unknown, named: Record<string, JsonSchema>): unknown {
  if (Array.isArray(value)) return value.map((v) => hoistNamedSchemas(v, named));
  if (typeof value !== "object" || value === null) return value;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(value)) out[k] = hoistNamedSchemas(v, named);
  const title = (value as JsonSchema).title;
  if (typeof title !== "string" || !("type" in out)) return out;
  if (named[title] && !isDeepStrictEqual(named[title], out))
    throw new Error(`two different schemas are both named '${title}'`);
  named[title] = out;
  return { $ref: `#/components/schemas/${title}` };
}

/** `serviceTypes`: the error types services declare as their own (their modules' `errors`). */
export function openApiDocument(
  routes: DocumentedRoute[],
  actions: Record<string, PublishedAction>,
  version: string,
  serviceTypes: Iterable<string> = [],
): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const route of routes)
    for (const [alias, target] of Object.entries(route.aliases)) {
      const [method, aliasPath] = alias.split(" ");
      const name = actionOf(target);
      const action = actions[name];
      if (!action) throw new Error(`${alias} routes to ${name}, which no service publishes`);
      const { path, names } = openApiPath(joinPath(route.path, aliasPath));
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = operation(route, method, names, name, action);
      if (target.startsWith(UPLOAD)) paths[path][method.toLowerCase()].requestBody = FILE_UPLOAD;
    }
  const schemas: Record<string, JsonSchema> = {};
  const hoisted = hoistNamedSchemas(paths, schemas) as OpenApiDocument["paths"];
  if (schemas.Error) schemas.Error = errorBody(serviceTypes);
  return {
    openapi: "3.1.0",
    info: {
      title: "Bazaar API",
      version,
      description:
        "The REST API of Bazaar, a commerce backend. Errors share one shape (`Error`). Lists " +
        "are pages (`page`, `pageSize` ≤ 100). `POST /api/v1/orders` takes an optional " +
        "`Idempotency-Key` header: a retry with the same key gets the same order, within a " +
        "second; while the first request is still running it is 409 `STILL_PROCESSING` with " +
        "`Retry-After`, so a client retries after that many seconds (and on any 503), with the " +
        "same key, until it gets a final answer.",
    },
    servers: [{ url: "/" }],
    tags: [...new Set(tagsOf(hoisted))].map((name) => ({ name })),
    paths: hoisted,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    } as OpenApiDocument["components"],
  };
}

function tagsOf(paths: OpenApiDocument["paths"]): string[] {
  return Object.values(paths).flatMap((ops) =>
    Object.values(ops).flatMap((op) => op.tags as string[]),
  );
}
