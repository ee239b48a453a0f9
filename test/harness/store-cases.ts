import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NedbStore } from "../../platform/data/nedb.store";
import { PostgresStore } from "../../platform/data/postgres.store";
import { SqliteStore } from "../../platform/data/sqlite.store";
import type { Store } from "../../platform/data/repository";
import { createDatabase, postgresAvailable } from "./postgres";

/** A store a suite runs against, opened fresh and cleaned up after. */
export interface StoreCase {
  name: string;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

const inDir = (make: (dir: string) => Store) => async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-store-"));
  const store = make(dir);
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** NeDB and SQLite always; PostgreSQL (a fresh database) when the machine has it. */
export function storeCases(): StoreCase[] {
  const cases: StoreCase[] = [
    { name: "NeDB", open: inDir((dir) => new NedbStore(dir)) },
    { name: "SQLite", open: inDir((dir) => new SqliteStore(dir)) },
  ];
  if (postgresAvailable())
    cases.push({
      name: "PostgreSQL",
      async open() {
        const database = await createDatabase();
        const store = new PostgresStore(database.uri);
        return {
          store,
          async cleanup() {
            await store.close();
            await database.drop();
          },
        };
      },
    });
  return cases;
}
