import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { SqliteStore } from "../../platform/data/sqlite.store";

interface MarkDoc {
  id: string;
  note: string;
}

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "bazaar-insert-"));
  store = new SqliteStore(dir);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("insert if absent", () => {
  test("When the same id is written twice, then the first write stays and the second answers nothing", async () => {
    const marks = await store.repository<MarkDoc>("marks", []);
    expect(await insertIfAbsent(marks, { id: "m1", note: "first" })).toMatchObject({ id: "m1" });
    expect(await insertIfAbsent(marks, { id: "m1", note: "second" })).toBeUndefined();
    expect(await marks.findById("m1")).toMatchObject({ note: "first" });
  });

  test("When the write fails for another reason, then the error is not swallowed", async () => {
    const marks = await store.repository<MarkDoc>("marks", []);
    await store.close();
    await expect(insertIfAbsent(marks, { id: "m2", note: "x" })).rejects.toThrow();
    store = new SqliteStore(dir);
    const reopened = await store.repository<MarkDoc>("marks", []);
    expect(await reopened.findById("m2")).toBeNull();
  });
});
