/**
 * Writes the next PostgreSQL migration (`npm run migrations:new -- <name>`): what the services'
 * declared collections need beyond the schema of the last migration (`migrations/schema.json`).
 * New tables with their indexes and append-only triggers, new indexes, dropped indexes, and the
 * shared functions when they changed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { storeSchema, type StoreSchema } from "../app/store-schema";
import { formatted } from "./formatted";
import { MIGRATIONS_DIR } from "../platform/data/migrate";
import {
  appendOnlyStatement,
  BLOB_PARTS_TABLE,
  FUNCTION_STATEMENTS,
  indexStatements,
  tableStatement,
} from "../platform/data/postgres-ddl";

interface Snapshot extends StoreSchema {
  functions: string;
}

const SNAPSHOT = path.join(MIGRATIONS_DIR, "schema.json");
const NAME = /^[a-z][a-z0-9_]{0,60}$/;

async function main(): Promise<void> {
  const [name, ...flags] = process.argv.slice(2);
  if (!name || !NAME.test(name))
    throw new Error("usage: migrations:new <name> [--except service,…]");
  const except = flags[0] === "--except" ? (flags[1] ?? "").split(",") : [];
  const previous: Snapshot = existsSync(SNAPSHOT)
    ? JSON.parse(readFileSync(SNAPSHOT, "utf8"))
    : { collections: {}, functions: "" };
  const next = await storeSchema(except);
  const functions = createHash("sha256").update(FUNCTION_STATEMENTS.join("\n")).digest("hex");

  const up: string[] = [];
  const down: string[] = [];
  if (functions !== previous.functions) up.push(...FUNCTION_STATEMENTS);
  if (!previous.functions) {
    up.push(BLOB_PARTS_TABLE);
    down.unshift("DROP TABLE IF EXISTS blob_parts");
  }
  for (const [collection, { indexes, appendOnly }] of Object.entries(next.collections)) {
    const before = previous.collections[collection];
    const wanted = indexStatements(collection, indexes);
    if (!before) {
      up.push(tableStatement(collection), ...wanted.map(([, sql]) => sql));
      if (appendOnly) up.push(appendOnlyStatement(collection));
      down.unshift(`DROP TABLE IF EXISTS "${collection}"`);
      continue;
    }
    const had = new Set(indexStatements(collection, before.indexes).map(([n]) => n));
    const has = new Set(wanted.map(([n]) => n));
    for (const [index, sql] of wanted)
      if (!had.has(index)) {
        up.push(sql);
        down.unshift(`DROP INDEX IF EXISTS "${index}"`);
      }
    for (const index of had) if (!has.has(index)) up.push(`DROP INDEX IF EXISTS "${index}"`);
    if (appendOnly && !before.appendOnly) up.push(appendOnlyStatement(collection));
  }
  if (!up.length) {
    process.stdout.write("The migrations already make the schema the services declare.\n");
    return;
  }
  const file = path.join(MIGRATIONS_DIR, `${Date.now()}_${name}.sql`);
  const sql = (lines: string[]) => lines.map((line) => `${line};\n`).join("\n");
  writeFileSync(file, `-- Up Migration\n${sql(up)}\n-- Down Migration\n${sql(down)}`);
  writeFileSync(SNAPSHOT, await formatted(SNAPSHOT, JSON.stringify({ ...next, functions })));
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
