import FastestValidator from "fastest-validator";
import { Validators } from "moleculer";

/**
 * Moleculer's fastest-validator, with three rules it does not hold by itself:
 *
 * - A string's length is checked before any pattern runs over it, and a too-long value stops
 *   there. fastest-validator reports every failed check, so a 30 kB e-mail still went through
 *   its backtracking pattern after failing `max` (1.4–3.3 s of a frozen event loop).
 * - Every pattern has a bound: a string rule with a pattern and no `max` refuses to compile, and
 *   an e-mail rule without `max` gets 254 (RFC 5321's limit).
 * - `null` is not "absent": an optional field given as `null` is refused unless its rule says
 *   `nullable: true` (`items: null` with a full cart used to order the whole cart).
 *
 * E-mails also refuse control, format (bidi) and separator characters, which let someone register
 * an address that looks like another one.
 */

type RuleSchema = Record<string, unknown> & {
  type?: string;
  max?: number;
  pattern?: unknown;
  trim?: boolean;
  normalize?: boolean;
  optional?: boolean;
  nullable?: boolean;
};
type Rule = { schema: RuleSchema; messages: Record<string, string>; index?: number };
type Compiled = { source: string; sanitized?: boolean };
type RuleFactory = (this: Engine, rule: Rule, path: string, context: unknown) => Compiled;
type Engine = FastestValidator & {
  rules: Record<string, RuleFactory>;
  makeError(error: { type: string; expected?: unknown; actual?: string; messages: object }): string;
  wrapRequiredCheckSourceCode(rule: Rule, inner: string, context: unknown, resVar: string): string;
};

const EMAIL_MAX = 254;
/** Control, format (bidi overrides, zero-width) and separator characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}]/u;

/**
 * Every refusal says what was expected and, where it is a short word, what was given: one place
 * for all rules. fastest-validator's own enum message printed the allowed values as if they had
 * been sent ("The 'status' field value 'active, paused' does not match"). The gateway caps each
 * message's length, so a long value given never makes a long answer.
 */
export const MESSAGES = {
  notNullable: "The '{field}' field may be left out, but not null.",
  emailCharacters: "The '{field}' field must not hold control, invisible or space characters.",
  enumValue: "The '{field}' field must be one of: {expected}; it was '{actual}'.",
  stringEnum: "The '{field}' field must be one of: {expected}; it was '{actual}'.",
  arrayEnum: "Each of '{field}' must be one of: {expected}; '{actual}' is not.",
  arrayUnique: "The '{field}' field must not list '{actual}' twice.",
  stringPattern: "The '{field}' field must match {expected}.",
  boolean: "The '{field}' field must be true or false.",
  number: "The '{field}' field must be a number.",
  numberInteger: "The '{field}' field must be a whole number; it was {actual}.",
  numberMin: "The '{field}' field must be at least {expected}; it was {actual}.",
  numberMax: "The '{field}' field must be at most {expected}; it was {actual}.",
  stringMin: "The '{field}' field must be at least {expected} characters long; it was {actual}.",
  stringMax: "The '{field}' field must be at most {expected} characters long; it was {actual}.",
  arrayMin: "The '{field}' field must list at least {expected} items; it listed {actual}.",
  arrayMax: "The '{field}' field must list at most {expected} items; it listed {actual}.",
  object: "The '{field}' field must be an object.",
  string: "The '{field}' field must be text.",
  array: "The '{field}' field must be a list.",
};

export class RuleError extends Error {
  constructor(detail: string) {
    super(`Validation rule refused: ${detail}`);
    this.name = "RuleError";
  }
}

/** Code that fails a too-long value and returns before anything else of the rule runs. */
function lengthGuard(engine: Engine, rule: Rule, max: number, trims: boolean): string {
  const length = trims ? "value.trim().length" : "value.length";
  const error = engine.makeError({
    type: rule.schema.type === "email" ? "emailMax" : "stringMax",
    expected: max,
    actual: length,
    messages: rule.messages,
  });
  return `if (typeof value === "string" && ${length} > ${max}) { ${error} return value; }\n`;
}

function guardedString(original: RuleFactory): RuleFactory {
  return function (this: Engine, rule, path, context) {
    const { max, pattern } = rule.schema;
    if (pattern != null && max == null)
      throw new RuleError(`a string pattern needs a max length (${String(pattern)})`);
    const compiled = original.call(this, rule, path, context);
    if (max == null) return compiled;
    const guard = lengthGuard(this, rule, max, rule.schema.trim === true);
    return { ...compiled, source: guard + compiled.source };
  };
}

function guardedEmail(original: RuleFactory): RuleFactory {
  return function (this: Engine, rule, path, context) {
    rule.schema.max ??= EMAIL_MAX;
    const guard = lengthGuard(this, rule, rule.schema.max, rule.schema.normalize === true);
    const invisible = `if (typeof value === "string" && ${INVISIBLE}.test(value.trim())) { ${this.makeError(
      { type: "emailCharacters", actual: "value", messages: rule.messages },
    )} return value; }\n`;
    const compiled = original.call(this, rule, path, context);
    return { ...compiled, source: guard + invisible + compiled.source };
  };
}

/** Patches one fastest-validator engine; exported for the unit tests. */
export function harden(engine: FastestValidator): FastestValidator {
  const fv = engine as Engine;
  fv.add("string", guardedString(fv.rules.string) as never);
  fv.add("email", guardedEmail(fv.rules.email) as never);
  const wrap = fv.wrapRequiredCheckSourceCode.bind(fv);
  fv.wrapRequiredCheckSourceCode = (rule, inner, context, resVar) => {
    const s = rule.schema;
    const wrapped = wrap(rule, inner, context, resVar);
    if (s.optional !== true || s.nullable === true || s.type === "forbidden") return wrapped;
    const refuse = fv.makeError({ type: "notNullable", actual: "value", messages: rule.messages });
    return `if (value === null) { ${refuse} } else { ${wrapped} }`;
  };
  return engine;
}

export function hardenedEngine(options: Record<string, unknown> = {}): FastestValidator {
  return harden(new FastestValidator({ ...options, messages: MESSAGES }));
}

/** The broker's validator: Moleculer's own, on a hardened engine. */
export function hardenedValidator(): Validators.Fastest {
  const validator = new Validators.Fastest();
  (validator as unknown as { validator: FastestValidator }).validator = hardenedEngine();
  return validator;
}

/** The same field rules, each optional: the params of a partial update. */
export function allOptional<R extends Record<string, object>>(
  fields: R,
): { [K in keyof R]: R[K] & { optional: true } } {
  return Object.fromEntries(
    Object.entries(fields).map(([name, rule]) => [name, { ...rule, optional: true }]),
  ) as { [K in keyof R]: R[K] & { optional: true } };
}
