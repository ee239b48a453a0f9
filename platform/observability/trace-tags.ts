/**
 * What a sampled action span records of its call: the params, with every secret replaced.
 * Moleculer copies all params into the span by default, so a login's password and a checkout's
 * card token would be sent to Jaeger; a field whose name looks secret is never recorded.
 */
const SECRET_FIELD = /pass(word)?|secret|token|api[-_]?key|^key$|authorization|cookie/i;
const MAX_DEPTH = 6;

export const REDACTED = "[redacted]";

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SECRET_FIELD.test(k) ? REDACTED : redactSecrets(v, depth + 1),
    ]),
  );
}

/** Moleculer's `tracing.tags.action`: called at the start (params) and the end (the answer). */
export function actionTraceTags(ctx: { params?: unknown }, answer?: unknown) {
  if (answer !== undefined) return {};
  return { params: redactSecrets(ctx.params) };
}
