import { readFileSync } from "node:fs";
import path from "node:path";
import type { ServiceSchema } from "moleculer";
import type { PublishedAction } from "./openapi";

/**
 * Every service's action definitions, read from the service modules themselves rather than
 * from the registry: the description is then the same on every gateway, whichever services
 * are running, and validation patterns survive (the registry sends them as JSON, where a
 * RegExp is lost). Loaded on the first request for the description, not at start-up.
 */
type SchemaActions = Pick<ServiceSchema, "name"> & {
  actions?: Record<string, unknown>;
  mixins?: { actions?: Record<string, unknown> }[];
};

export async function publishedActions(
  gateway: SchemaActions,
  modules: readonly { load(): Promise<{ default: SchemaActions }> }[],
): Promise<Record<string, PublishedAction>> {
  const loaded = await Promise.all(modules.map(async (m) => (await m.load()).default));
  const others = loaded.filter((schema) => schema.name !== gateway.name);
  const schemas: SchemaActions[] = [gateway, ...others];
  const actions: Record<string, PublishedAction> = {};
  for (const schema of schemas)
    // A service may keep a group of its actions in a mixin; its own definitions win, as in
    // Moleculer's merge.
    for (const part of [...(schema.mixins ?? []), schema])
      for (const [name, def] of Object.entries(part.actions ?? {}))
        if (typeof def === "object" && def !== null)
          actions[`${schema.name}.${name}`] = def as PublishedAction;
  return actions;
}

let version: string | undefined;
/** Read once: health probes ask for it every few seconds. */
export function packageVersion(): string {
  const file = path.join(__dirname, "..", "..", "package.json");
  version ??= (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  return version;
}
