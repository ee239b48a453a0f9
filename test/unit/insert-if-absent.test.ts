import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { useTempSqlite } from "../harness/temp-store";

const temp = useTempSqlite("insert");

interface MarkDoc {
  id: string;
  note: string;
}

describe("insert if absent", () => {
  test("When the same id is written twice, then the first write stays and the second answers nothing", async () => {
    const marks = await temp.store().repository<MarkDoc>("marks", []);
    expect(await insertIfAbsent(marks, { id: "m1", note: "first" })).toMatchObject({ id: "m1" });
    expect(await insertIfAbsent(marks, { id: "m1", note: "second" })).toBeUndefined();
    expect(await marks.findById("m1")).toMatchObject({ note: "first" });
  });

  test("When the write fails for another reason, then the error is not swallowed", async () => {
    const marks = await temp.store().repository<MarkDoc>("marks", []);
    await temp.store().close();
    await expect(insertIfAbsent(marks, { id: "m2", note: "x" })).rejects.toThrow();
    const reopened = await temp.reopen().repository<MarkDoc>("marks", []);
    expect(await reopened.findById("m2")).toBeNull();
  });
});
