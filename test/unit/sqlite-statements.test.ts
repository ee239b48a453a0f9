import type { Doc } from "../../platform/data/repository";
import { useTempSqlite } from "../harness/temp-store";

describe("the embedded store's prepared statements", () => {
  const temp = useTempSqlite("statements");

  test("When lists of every length are asked for, then each answers exactly, whatever length its statement was padded to", async () => {
    const items = await temp.store().repository<Doc & { n: number }>("items", []);
    for (let n = 0; n < 20; n++) await items.insert({ id: `i${n}`, n });
    for (let length = 1; length <= 300; length++) {
      const ids = Array.from({ length }, (_, i) => `i${i % 25}`);
      expect(await items.count({ id: { $in: ids } })).toBe(Math.min(length, 20));
      expect(await items.count({ n: { $nin: ids.map((_, i) => i) } })).toBe(
        Math.max(0, 20 - length),
      );
    }
    expect(await items.updateOne({ id: "i1" }, { $inc: { n: 1 } })).toBe(1);
    expect((await items.findById("i1"))?.n).toBe(2);
  });
});
