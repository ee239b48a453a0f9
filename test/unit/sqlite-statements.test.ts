import type { Doc } from "../../platform/data/repository";
import { useTempSqlite } from "../harness/temp-store";

describe("the embedded store's prepared statements", () => {
  const temp = useTempSqlite("statements");

  test("When more statement texts are used than are kept, then every query still answers, the first ones again too", async () => {
    const items = await temp.store().repository<Doc & { n: number }>("items", []);
    for (let n = 0; n < 20; n++) await items.insert({ id: `i${n}`, n });
    // A list of each length is a statement text of its own: 600 of them, past the 500 kept.
    for (let length = 1; length <= 600; length++) {
      const ids = Array.from({ length }, (_, i) => `i${i % 25}`);
      expect(await items.count({ id: { $in: ids } })).toBe(Math.min(length, 20));
    }
    expect(await items.count({ id: { $in: ["i1"] } })).toBe(1);
    expect(await items.updateOne({ id: "i1" }, { $inc: { n: 1 } })).toBe(1);
    expect((await items.findById("i1"))?.n).toBe(2);
  });
});
