import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqliteStore } from "../../platform/data/sqlite.store";

/**
 * A fresh embedded store for each test of the calling suite, closed and deleted after it.
 * `reopen()` opens the same directory again (after a test closed the store on purpose).
 */
export function useTempSqlite(label: string): { store(): SqliteStore; reopen(): SqliteStore } {
  let dir = "";
  let current: SqliteStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), `bazaar-${label}-`));
    current = new SqliteStore(dir);
  });
  afterEach(async () => {
    await current?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    store: () => current!,
    reopen: () => (current = new SqliteStore(dir)),
  };
}
