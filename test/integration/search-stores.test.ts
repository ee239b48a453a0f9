import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PostgresStore } from "../../platform/data/postgres.store";
import { SqliteStore } from "../../platform/data/sqlite.store";
import { store } from "../../services/search/documents";
import { START_OF_TIME, syncIndex } from "../../services/search/index-sync";
import { SEARCH_DOC_INDEXES, type SearchDoc, type SearchDocs } from "../../services/search/model";
import { SearchIndex } from "../../services/search/search-index";
import { SEARCH_CORPUS } from "../fixtures/search-corpus";
import { createDatabase, postgresAvailable } from "../harness/postgres";

/**
 * The search contract on both stores: the embedded node keeps its index's documents in SQLite,
 * a cluster in PostgreSQL, and every search node's index follows them. The same corpus must
 * give the same answers on both.
 */
type Opened = { docs: SearchDocs; close(): Promise<void> };
const STORES: [string, () => Promise<Opened>][] = [
  [
    "SQLite",
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "bazaar-search-"));
      const sqlite = new SqliteStore(dir);
      return {
        docs: await sqlite.repository<SearchDoc>("search_docs", SEARCH_DOC_INDEXES),
        async close() {
          await sqlite.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];
if (postgresAvailable())
  STORES.push([
    "PostgreSQL",
    async () => {
      const database = await createDatabase();
      const pg = new PostgresStore(database.uri);
      return {
        docs: await pg.repository<SearchDoc>("search_docs", SEARCH_DOC_INDEXES),
        async close() {
          await pg.close();
          await database.drop();
        },
      };
    },
  ]);

const QUERIES = ["desk lamp", "lamb", "photosynthsis", "photosynth", "physiology plant", "oak 1"];
const answers: Record<string, string[][]> = {};

describe.each(STORES)("search documents on %s", (name, open) => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(() => opened.close());

  test("When the corpus is told, then an index that follows the store answers the relevance queries", async () => {
    const told = SEARCH_CORPUS.map(({ syncedAt: _s, ...doc }) => doc);
    expect(await store(opened.docs, told)).toBe(told.length);
    const index = new SearchIndex();
    const { read } = await syncIndex(opened.docs, index, START_OF_TIME);
    expect(read).toBe(told.length);
    const top = (q: string) =>
      index.search({ q, includeHidden: false, page: 1, pageSize: 5 }).rows.map((r) => r.refId);
    answers[name] = QUERIES.map(top);
    expect(top("lamb").slice(0, 2).sort()).toEqual(["p-floor", "p-lamp"]);
    expect(top("photosynthsis")[0]).toBe("c-photo");
  });

  test("When a message comes late or twice, then the newer telling stays", async () => {
    const [lamp] = SEARCH_CORPUS;
    const newer = {
      ...lamp,
      title: "Desk lamp, brass",
      sourceUpdatedAt: "2026-12-02T00:00:00.000Z",
    };
    expect(await store(opened.docs, [newer])).toBe(1);
    expect(await store(opened.docs, [newer])).toBe(0);
    expect(await store(opened.docs, [{ ...lamp, title: "Stale" }])).toBe(0);
    expect((await opened.docs.findById(lamp.id))?.title).toBe("Desk lamp, brass");
  });
});

test("When both stores ran, then they gave the same answers", () => {
  const runs = Object.values(answers);
  expect(runs).toHaveLength(STORES.length);
  for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
});
