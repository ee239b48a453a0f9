import ApiService from "../../services/api/api.service";
import { object, pageOf, string } from "../../platform/actions/openapi";
import {
  hoistNamedSchemas,
  openApiDocument,
  openApiPath,
  type DocumentedRoute,
  type PublishedAction,
} from "../../services/api/openapi";
import { publishedActions } from "../../services/api/published-actions";
import { SERVICE_MODULES } from "../../app/services";
import { actionOf, gatewayRoutes } from "../../services/api/routes";

const DOCUMENTED_ROUTES = gatewayRoutes(SERVICE_MODULES).documented;
import { objectSchema, ruleSchema } from "../../services/api/validator-schema";

const THING = object({ id: string, name: string }, [], "Thing");

const route: DocumentedRoute = {
  path: "/api/v1",
  limiter: "api",
  authentication: true,
  aliases: {
    "GET /things": "things.list",
    "GET /things/:id": "things.get",
    "POST /things": "things.create",
    "DELETE /things/:id": "things.remove",
  },
};

const actions: Record<string, PublishedAction> = {
  "things.list": {
    access: "public",
    params: { $$strict: "remove", q: { type: "string", max: 10, optional: true } },
    openapi: { summary: "List", response: pageOf(THING) },
  },
  "things.get": {
    params: { $$strict: true, id: { type: "string", min: 1 } },
    openapi: { summary: "Get", response: THING },
  },
  "things.create": {
    access: "admin",
    params: { $$strict: true, name: { type: "string", pattern: /^[a-z]+$/ } },
    openapi: { summary: "Create", status: 201, response: THING, errors: [409] },
  },
  "things.remove": {
    sessionOnly: true,
    params: { $$strict: true, id: { type: "string" } },
    openapi: { summary: "Remove", status: 204 },
  },
};

describe("validation rules as JSON Schema", () => {
  test("When rules are converted, then limits, patterns, enums, defaults and strictness carry over", () => {
    expect(ruleSchema("sku", { type: "string", min: 1, max: 64, pattern: /^[A-Z]+$/ })).toEqual({
      type: "string",
      minLength: 1,
      maxLength: 64,
      pattern: "^[A-Z]+$",
    });
    expect(ruleSchema("n", { type: "number", integer: true, min: 1, default: 20 })).toEqual({
      type: "integer",
      minimum: 1,
      default: 20,
    });
    expect(ruleSchema("s", { type: "enum", values: ["a", "b"] })).toEqual({
      type: "string",
      enum: ["a", "b"],
    });
    expect(ruleSchema("e", { type: "email", max: 254 })).toEqual({
      type: "string",
      format: "email",
      maxLength: 254,
    });
    expect(
      ruleSchema("tags", { type: "array", min: 1, unique: true, items: { type: "url" } }),
    ).toEqual({
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", format: "uri" },
    });
    expect(
      objectSchema(
        {
          $$strict: true,
          a: { type: "string" },
          b: { type: "boolean", optional: true },
          c: { type: "number", default: 1 },
        },
        true,
      ),
    ).toEqual({
      type: "object",
      properties: {
        a: { type: "string" },
        b: { type: "boolean" },
        c: { type: "number", default: 1 },
      },
      required: ["a"],
      additionalProperties: false,
    });
    expect(objectSchema({ a: { type: "any" } }, "remove")).not.toHaveProperty(
      "additionalProperties",
    );
  });

  test("When a rule cannot be documented, then building the description fails and names it", () => {
    expect(() => ruleSchema("when", { type: "custom", check: () => true })).toThrow(
      /'when'.*custom/,
    );
    expect(() => ruleSchema("x", "string|optional")).toThrow(/'x'/);
    expect(() => ruleSchema("list[]", { type: "enum" })).toThrow(/values/);
  });
});

describe("the OpenAPI document", () => {
  const doc = openApiDocument([route], actions, "1.2.3");

  test("When built, then it is OpenAPI 3.1 with each alias as an operation named after its action", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Bazaar API", version: "1.2.3" });
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/things", "/api/v1/things/{id}"]);
    expect(Object.keys(doc.paths["/api/v1/things/{id}"]).sort()).toEqual(["delete", "get"]);
    expect(doc.paths["/api/v1/things"].post.operationId).toBe("things.create");
    expect(openApiPath("/cart/items/:productId")).toEqual({
      path: "/cart/items/{productId}",
      names: ["productId"],
    });
  });

  test("When an action takes input, then path fields are path parameters, GET fields are queries and POST fields a body", () => {
    const get = doc.paths["/api/v1/things/{id}"].get;
    expect(get.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "string", minLength: 1 } },
    ]);
    expect(doc.paths["/api/v1/things"].get.parameters).toEqual([
      { name: "q", in: "query", required: false, schema: { type: "string", maxLength: 10 } },
    ]);
    const create = doc.paths["/api/v1/things"].post;
    expect(create.parameters).toBeUndefined();
    expect(create.requestBody).toEqual({
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: { name: { type: "string", pattern: "^[a-z]+$" } },
            required: ["name"],
            additionalProperties: false,
          },
        },
      },
    });
  });

  test("When answers are documented, then success, the action's own errors and the route's errors each have their status", () => {
    const statuses = (op: { responses: object }) => Object.keys(op.responses).sort();
    expect(statuses(doc.paths["/api/v1/things"].get)).toEqual([
      "200",
      "401",
      "403",
      "422",
      "429",
      "503",
    ]);
    expect(statuses(doc.paths["/api/v1/things"].post)).toEqual(
      ["201", "400", "401", "403", "409", "413", "422", "429", "503"].sort(),
    );
    const remove = doc.paths["/api/v1/things/{id}"].delete;
    expect(remove.responses["204"]).toEqual({ description: "No content" });
    expect(remove.responses["404"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    });
    expect(remove.responses["503"]).toHaveProperty("headers.Retry-After");
  });

  test("When who may call differs, then security says so: anyone, a token or key, or a session only", () => {
    expect(doc.paths["/api/v1/things"].get.security).toEqual([{}, { bearer: [] }, { apiKey: [] }]);
    expect(doc.paths["/api/v1/things/{id}"].get.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(doc.paths["/api/v1/things/{id}"].delete.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/api/v1/things"].post.description).toMatch(/Admins only.*`write`.*`admin`/);
  });

  test("When answers share a named shape, then it is described once and referred to", () => {
    expect(doc.components.schemas.Thing).toMatchObject({ required: ["id", "name"] });
    expect(doc.components.schemas.ThingPage).toMatchObject({
      properties: { rows: { items: { $ref: "#/components/schemas/Thing" } } },
    });
    expect(doc.paths["/api/v1/things/{id}"].get.responses["200"]).toEqual({
      description: "OK",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
    });
    expect(() => hoistNamedSchemas([THING, object({ id: string }, [], "Thing")], {})).toThrow(
      /'Thing'/,
    );
  });

  test("When a route names an action that is missing or has no openapi note, then building fails", () => {
    expect(() =>
      openApiDocument([{ path: "/x", aliases: { "GET /": "nobody.home" } }], actions, "1"),
    ).toThrow(/nobody.home/);
    expect(() =>
      openApiDocument([{ path: "/x", aliases: { "GET /": "a.b" } }], { "a.b": {} }, "1"),
    ).toThrow(/a.b is routed but has no openapi note/);
    const noBody = { "a.b": { openapi: { summary: "s", sameBodyOn: [503] } } };
    expect(() =>
      openApiDocument([{ path: "/x", aliases: { "GET /": "a.b" } }], noBody, "1"),
    ).toThrow(/a.b answers 503 with its body, but has none/);
  });
});

describe("Bazaar's own description", () => {
  test("When built from the real routes and services, then every alias is one documented operation", async () => {
    const doc = openApiDocument(
      DOCUMENTED_ROUTES,
      await publishedActions(ApiService, SERVICE_MODULES),
      "0",
    );
    const documented = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((op) => op.operationId),
    );
    const routed = DOCUMENTED_ROUTES.flatMap((r) => Object.values(r.aliases).map(actionOf));
    expect(documented.sort()).toEqual([...routed].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });
});
