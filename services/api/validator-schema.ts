import type { JsonSchema } from "../../platform/actions/openapi";

/**
 * fastest-validator rules, as the actions declare them, turned into the JSON Schema (2020-12,
 * as OpenAPI 3.1 uses) of what they accept. Only the rule types the API uses are known; any
 * other throws, so a new kind of rule cannot silently go undocumented.
 */
type Rule = Record<string, unknown> & { type: string };
export type Params = Record<string, unknown>;

const KNOWN = new Set([
  "string",
  "email",
  "url",
  "number",
  "boolean",
  "enum",
  "array",
  "object",
  "any",
  "date",
  "record",
  "multi",
]);

function asRule(name: string, rule: unknown): Rule {
  if (typeof rule !== "object" || rule === null || typeof (rule as Rule).type !== "string")
    throw new Error(`'${name}': only rules written as objects with a type can be documented`);
  const typed = rule as Rule;
  if (!KNOWN.has(typed.type)) throw new Error(`'${name}': rule type '${typed.type}' is unknown`);
  return typed;
}

function patternOf(pattern: unknown): string | undefined {
  if (pattern instanceof RegExp) return pattern.source;
  return typeof pattern === "string" ? pattern : undefined;
}

function lengths(rule: Rule, min: string, max: string): JsonSchema {
  const out: JsonSchema = {};
  if (typeof rule.min === "number") out[min] = rule.min;
  if (typeof rule.max === "number") out[max] = rule.max;
  return out;
}

/** One rule's schema; `name` is where it sits, for the error if it cannot be documented. */
export function ruleSchema(name: string, raw: unknown): JsonSchema {
  const rule = asRule(name, raw);
  const schema: JsonSchema = {};
  switch (rule.type) {
    case "string":
      Object.assign(schema, { type: "string" }, lengths(rule, "minLength", "maxLength"));
      if (patternOf(rule.pattern)) schema.pattern = patternOf(rule.pattern);
      if (Array.isArray(rule.enum)) schema.enum = rule.enum;
      break;
    case "email":
    case "url":
      Object.assign(schema, { type: "string", format: rule.type === "email" ? "email" : "uri" });
      Object.assign(schema, lengths(rule, "minLength", "maxLength"));
      break;
    case "number":
      schema.type = rule.integer ? "integer" : "number";
      Object.assign(schema, lengths(rule, "minimum", "maximum"));
      if (rule.positive) schema.exclusiveMinimum = 0;
      break;
    case "boolean":
      schema.type = "boolean";
      break;
    case "enum":
      if (!Array.isArray(rule.values)) throw new Error(`'${name}': an enum rule needs values`);
      if (rule.values.every((v) => typeof v === "string")) schema.type = "string";
      schema.enum = rule.values;
      break;
    case "array":
      Object.assign(schema, { type: "array" }, lengths(rule, "minItems", "maxItems"));
      if (rule.items !== undefined) schema.items = ruleSchema(`${name}[]`, rule.items);
      if (rule.unique) schema.uniqueItems = true;
      break;
    case "object":
      if (rule.props === undefined) schema.type = "object";
      else Object.assign(schema, objectSchema(rule.props as Params, rule.strict, name));
      break;
    case "date":
      Object.assign(schema, { type: "string", format: "date-time" });
      break;
    case "record":
      Object.assign(schema, { type: "object" });
      if (rule.key !== undefined) schema.propertyNames = ruleSchema(`${name} key`, rule.key);
      if (rule.value !== undefined)
        schema.additionalProperties = ruleSchema(`${name}{}`, rule.value);
      break;
    case "multi":
      if (!Array.isArray(rule.rules)) throw new Error(`'${name}': a multi rule needs rules`);
      schema.oneOf = rule.rules.map((one, i) => ruleSchema(`${name}|${i}`, one));
      break;
  }
  if (rule.default !== undefined) schema.default = rule.default;
  return schema;
}

/** Whether a caller must send the field: neither optional nor filled in by a default. */
export function isRequired(rule: unknown): boolean {
  const r = rule as { optional?: boolean; default?: unknown };
  return !r.optional && r.default === undefined;
}

/**
 * An object of fields; `strict` true refuses unknown fields (documented as not allowed),
 * "remove" drops them (allowed, ignored).
 */
export function objectSchema(props: Params, strict: unknown, where = ""): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [field, rule] of Object.entries(props)) {
    if (field.startsWith("$$")) continue;
    const path = where ? `${where}.${field}` : field;
    properties[field] = ruleSchema(path, rule);
    if (isRequired(rule)) required.push(field);
  }
  return {
    type: "object",
    properties,
    ...(required.length ? { required } : {}),
    ...(strict === true ? { additionalProperties: false } : {}),
  };
}
