import path from "node:path";
import { createGenerator } from "ts-json-schema-generator";
import { EVENT_VERSIONS, type EventName } from "../contracts/channels";

type Schema = { $ref?: string; definitions?: Record<string, unknown>; [key: string]: unknown };

export const EVENTS_DIR = path.join(__dirname, "..", "contracts", "events");
export const schemaFile = (name: string) => path.join(EVENTS_DIR, name);
export const fileOf = (channel: string, version: number) => `${channel}.v${version}.json`;

/** The definitions `schema` reaches through `$ref`, and only those. */
function reachable(schema: unknown, all: Record<string, unknown>, into: Record<string, unknown>) {
  if (!schema || typeof schema !== "object") return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string") {
      const name = value.replace("#/definitions/", "");
      if (!into[name] && all[name]) {
        into[name] = all[name];
        reachable(all[name], all, into);
      }
    } else reachable(value, all, into);
  }
}

/** Each channel's current version as the payload types say it is now: file name and schema. */
export function currentEventSchemas(): [string, Schema][] {
  const generated = createGenerator({
    path: path.join(__dirname, "..", "contracts", "channels.ts"),
    tsconfig: path.join(__dirname, "..", "tsconfig.json"),
    type: "EventPayloads",
    skipTypeCheck: true,
    additionalProperties: true,
  }).createSchema("EventPayloads") as Schema;
  const all = generated.definitions ?? {};
  const payloads = all.EventPayloads as { properties: Record<string, Schema> };
  return (Object.keys(EVENT_VERSIONS) as EventName[]).map((channel) => {
    const version = EVENT_VERSIONS[channel];
    const root = payloads.properties[channel];
    const definitions: Record<string, unknown> = {};
    reachable(root, all, definitions);
    const sorted = Object.fromEntries(
      Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)),
    );
    return [
      fileOf(channel, version),
      {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: `bazaar:${channel}:v${version}`,
        title: `${channel} v${version}`,
        ...root,
        definitions: sorted,
      },
    ];
  });
}
