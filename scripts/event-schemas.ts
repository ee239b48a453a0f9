/**
 * Publishes the JSON Schema of each channel's current version (`npm run events:schemas`):
 * `contracts/events/<channel>.v<version>.json`, from the payload types in contracts/channels.ts.
 * Earlier versions' files are never rewritten: they are what old messages were checked against.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { currentEventSchemas, schemaFile } from "./event-schema-source";
import { formatted } from "./formatted";

async function main(): Promise<void> {
  for (const [file, schema] of currentEventSchemas()) {
    writeFileSync(schemaFile(file), await formatted(schemaFile(file), JSON.stringify(schema)));
    process.stdout.write(`wrote ${path.relative(process.cwd(), schemaFile(file))}\n`);
  }
}

void main();
