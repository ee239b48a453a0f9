import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

/**
 * The API description as a contract: every answer a test receives is checked against the
 * schema documented for its operation and status. An undocumented status, or a body that is
 * not the documented shape (a missing field, a leaked one), is a violation.
 */
type Schema = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, Schema> }>>;
  components: { schemas: Record<string, Schema> };
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, Schema>;
}

const COMPONENT_REF = /^#\/components\/schemas\/(.+)$/;

/** `#/components/schemas/Order` → `Order`, the name each component is added to Ajv under. */
function localRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(localRefs);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const m = k === "$ref" && typeof v === "string" ? COMPONENT_REF.exec(v) : null;
      return [k, m ? m[1] : localRefs(v)];
    }),
  );
}

export class Contract {
  readonly routes: Route[];
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly compiled = new Map<Schema, ValidateFunction>();
  private readonly errorBody: ValidateFunction;

  constructor(readonly doc: Doc) {
    addFormats(this.ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      this.ajv.addSchema(localRefs(schema) as Schema, name);
    this.errorBody = this.ajv.getSchema("Error")!;
    this.routes = Object.entries(doc.paths).flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
        responses: op.responses,
      })),
    );
  }

  /** The documented operation a request reaches; a literal path wins over a template. */
  route(method: string, url: string): Route | undefined {
    const path = new URL(url, "http://x").pathname;
    const matches = this.routes.filter((r) => r.method === method && r.pattern.test(path));
    return matches.find((r) => !r.template.includes("{")) ?? matches[0];
  }

  /** What is wrong with this answer, by the description; empty when it is as documented. */
  violations(method: string, url: string, status: number, body: unknown): string[] {
    const route = this.route(method, url);
    const where = `${method} ${new URL(url, "http://x").pathname} → ${status}`;
    if (!route) {
      if (status < 400) return [];
      return this.check(this.errorBody, body, `${where} (no such route)`);
    }
    const documented = route.responses[status];
    if (!documented) return [`${where}: status not documented for ${route.template}`];
    const schema = (documented.content as Record<string, { schema: Schema }> | undefined)?.[
      "application/json"
    ]?.schema;
    if (!schema) return body === undefined ? [] : [`${where}: documented without a body`];
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(localRefs(schema) as Schema);
      this.compiled.set(schema, validate);
    }
    return this.check(validate, body, where);
  }

  private check(validate: ValidateFunction, body: unknown, where: string): string[] {
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: ${e.instancePath || "body"} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }
}
