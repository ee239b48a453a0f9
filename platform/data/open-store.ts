import type { Settings } from "../../contracts/settings";
import { MongoStore } from "./mongo.store";
import { NedbStore } from "./nedb.store";
import { PostgresStore } from "./postgres.store";
import type { Store } from "./repository";
import { SqliteStore } from "./sqlite.store";

/** One store a process, shared by its services: one connection pool, one SQLite file. */
const stores = new Map<string, { store: Store; users: number }>();

function storeKey(settings: Settings): string {
  const uri = settings.dbUri;
  if (uri?.startsWith("nedb")) return `nedb:${settings.dataDir}`;
  if (!uri || uri.startsWith("sqlite")) return `sqlite:${settings.dataDir}`;
  return uri;
}

export function openStore(settings: Settings): Store {
  const key = storeKey(settings);
  let entry = stores.get(key);
  if (!entry) {
    const uri = settings.dbUri;
    // Embedded, SQLite unless DB_URI=nedb: asks for the NeDB files of earlier versions.
    const store = uri?.startsWith("mongodb")
      ? new MongoStore(uri)
      : uri?.startsWith("postgres")
        ? new PostgresStore(uri, settings.dbMigrate ? "migrate" : "verify")
        : uri?.startsWith("nedb")
          ? new NedbStore(settings.dataDir)
          : new SqliteStore(settings.dataDir);
    entry = { store, users: 0 };
    stores.set(key, entry);
  }
  entry.users++;
  return entry.store;
}

export async function closeStore(settings: Settings): Promise<void> {
  const key = storeKey(settings);
  const entry = stores.get(key);
  if (!entry || --entry.users > 0) return;
  stores.delete(key);
  await entry.store.close();
}
