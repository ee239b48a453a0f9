/**
 * Whether a consumer written for the old schema of an event still reads the new one: no field
 * it reads has gone or changed its type, no value it knows has gone from an enumeration, and
 * no field it never sent is now required unless the schema gives it a default. Generic: it
 * knows JSON Schema (draft 7, `$ref` into `definitions`), not the shop.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  default?: unknown;
  definitions?: Record<string, Schema>;
};

function resolve(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 32; hops++) {
    const name = current.$ref.replace(/^#\/definitions\//, "");
    const found =
      root.definitions && Object.hasOwn(root.definitions, name)
        ? root.definitions[name]
        : undefined;
    if (!found) return current;
    current = found;
  }
  return current;
}

const typesOf = (s: Schema): string => [s.type ?? "any"].flat().sort().join("|");
const canonical = (value: unknown): string => JSON.stringify(value);

/** The changes from `old` to `next` that would break a consumer of `old`; none when compatible. */
export function breakingChanges(oldSchema: object, nextSchema: object): string[] {
  const old = oldSchema as Schema;
  const next = nextSchema as Schema;
  const problems: string[] = [];
  const walk = (a: Schema, b: Schema, at: string, depth: number) => {
    if (depth > 32) return;
    const before = resolve(a, old);
    const after = resolve(b, next);
    const where = at || "the event";
    if (before.anyOf || after.anyOf) {
      const kept = new Set((after.anyOf ?? [after]).map((s) => canonical(resolve(s, next))));
      if ((before.anyOf ?? [before]).some((s) => !kept.has(canonical(resolve(s, old)))))
        problems.push(`${where}: a kind of value it could hold is gone`);
      return;
    }
    if (typesOf(before) !== typesOf(after)) {
      problems.push(`${where}: type changed from ${typesOf(before)} to ${typesOf(after)}`);
      return;
    }
    if (before.const !== undefined && canonical(before.const) !== canonical(after.const))
      problems.push(`${where}: its constant changed`);
    if (after.enum) {
      const allowed = new Set(after.enum.map(canonical));
      const lost = (before.enum ?? [undefined]).filter((v) => !allowed.has(canonical(v)));
      if (lost.length)
        problems.push(`${where}: values no longer allowed: ${lost.map(canonical).join(", ")}`);
    }
    if (before.items && after.items) walk(before.items, after.items, `${at}[]`, depth + 1);
    const wasRequired = new Set(before.required ?? []);
    for (const [name, property] of Object.entries(before.properties ?? {})) {
      const path = at ? `${at}.${name}` : name;
      const kept =
        after.properties && Object.hasOwn(after.properties, name)
          ? after.properties[name]
          : undefined;
      if (!kept) problems.push(`${path}: removed`);
      else walk(property, kept, path, depth + 1);
    }
    for (const name of after.required ?? []) {
      if (wasRequired.has(name)) continue;
      const property = after.properties?.[name];
      if (!property || resolve(property, next).default === undefined)
        problems.push(`${at ? `${at}.${name}` : name}: newly required, with no default`);
    }
  };
  walk(old, next, "", 0);
  return problems;
}
