import { START_OF_TIME, syncIndex, untilHolds } from "../../services/search/index-sync";
import { SEARCH_DOC_INDEXES, type SearchDoc } from "../../services/search/model";
import { SearchIndex } from "../../services/search/search-index";
import { useTempSqlite } from "../harness/temp-store";

const temp = useTempSqlite("sync");

const doc = (i: number, at: string): SearchDoc => ({
  id: `product:p${i}`,
  kind: "product",
  refId: `p${i}`,
  title: `Thing ${i}`,
  summary: "",
  category: "c",
  visible: true,
  sourceUpdatedAt: at,
  syncedAt: at,
});

describe("an index following the search store", () => {
  test("When more documents than a page share one instant, then every one is read, and what came after too", async () => {
    const docs = await temp.store().repository<SearchDoc>("search_docs", SEARCH_DOC_INDEXES);
    const bulk = "2026-12-01T00:00:00.000Z";
    for (let i = 0; i < 250; i++) await docs.insert(doc(i, bulk));
    for (let i = 250; i < 260; i++) await docs.insert(doc(i, "2026-12-01T00:00:01.000Z"));
    const index = new SearchIndex();
    const now = Date.parse("2026-12-01T00:00:03.000Z");
    const first = await syncIndex(docs, index, START_OF_TIME, 100, now);
    expect(index.size).toBe(260);
    expect(first.cursor).toEqual({ upTo: "2026-12-01T00:00:01.000Z", movedAt: now });

    await docs.insert(doc(260, "2026-12-01T00:00:02.000Z"));
    const next = await syncIndex(docs, index, first.cursor, 100, now + 100);
    expect(index.size).toBe(261);
    expect(next.cursor.upTo).toBe("2026-12-01T00:00:02.000Z");
  });

  test("When the store is quiet, then a pass reads nothing again once the overlap has passed", async () => {
    const docs = await temp.store().repository<SearchDoc>("search_docs", SEARCH_DOC_INDEXES);
    for (let i = 0; i < 5; i++) await docs.insert(doc(i, "2026-12-01T00:00:00.000Z"));
    const index = new SearchIndex();
    const now = Date.parse("2026-12-01T00:00:00.500Z");
    const { cursor } = await syncIndex(docs, index, START_OF_TIME, 100, now);
    // Within the overlap the recent documents are read again (a late commit may sit among them).
    expect((await syncIndex(docs, index, cursor, 100, now + 1000)).read).toBe(5);
    // After it, a quiet store costs an empty read.
    expect((await syncIndex(docs, index, cursor, 100, now + 6000)).read).toBe(0);
  });

  test("When a listing waits for the catalog's newest write, then it goes on once the index holds it, and gives up after the bound", async () => {
    const index = new SearchIndex();
    const at = "2026-12-01T00:00:01.000Z";
    let hurried = 0;
    // The sync takes the write on the third nudge.
    const taken = untilHolds(index, at, () => {
      if (++hurried === 3) index.upsert(doc(1, at));
    });
    await expect(taken).resolves.toBe(true);
    expect(hurried).toBe(3);
    const started = Date.now();
    await expect(untilHolds(index, "2026-12-01T00:00:02.000Z", () => {}, 100)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});
