import { applyUpdate, applyUpdateInPlace } from "../../platform/data/apply-update";

describe("applying an update to a document", () => {
  test("When $set names a deep path, then missing parents are made and the original is untouched", () => {
    const doc = { id: "a", n: 1 };
    const next = applyUpdate(doc, { $set: { "holds.o1": 2, name: "x" } });
    expect(next).toEqual({ id: "a", n: 1, holds: { o1: 2 }, name: "x" });
    expect(doc).toEqual({ id: "a", n: 1 });
  });

  test("When $inc, $push and $unset apply, then they count from 0, start a list, and drop what exists", () => {
    const next = applyUpdate(
      { id: "a", stock: 5, holds: { o1: 2 }, tags: ["x"] },
      {
        $inc: { stock: -2, "sold.p1": 3 },
        $push: { tags: "y", "log.items": { at: 1 } },
        $unset: { "holds.o1": true, nope: true },
      },
    );
    expect(next).toEqual({
      id: "a",
      stock: 3,
      sold: { p1: 3 },
      tags: ["x", "y"],
      log: { items: [{ at: 1 }] },
      holds: {},
    });
  });

  test("When an operator meets the wrong kind of value, then it throws rather than guess", () => {
    expect(() => applyUpdate({ id: "a", n: "1" }, { $inc: { n: 1 } })).toThrow(/not a number/);
    expect(() => applyUpdate({ id: "a", t: "x" }, { $push: { t: 1 } })).toThrow(/not a list/);
    expect(() => applyUpdate({ id: "a", s: "x" }, { $set: { "s.deep": 1 } })).toThrow(
      /not a document/,
    );
  });

  test("When a copy is applied, then the answer shares no value with the update", () => {
    const tags = ["x"];
    const next = applyUpdate({ id: "a" }, { $set: { tags }, $push: { log: { at: 1 } } });
    tags.push("changed later");
    expect(next).toEqual({ id: "a", tags: ["x"], log: [{ at: 1 }] });
  });

  test("When applied in place, then the store's own document is the one changed, with the same meaning", () => {
    const doc = { id: "a", stock: 5, holds: { o1: 2 } };
    const next = applyUpdateInPlace(doc, { $inc: { stock: -2 }, $unset: { "holds.o1": true } });
    expect(next).toBe(doc);
    expect(doc).toEqual({ id: "a", stock: 3, holds: {} });
    expect(() => applyUpdateInPlace(doc, { $set: { "__proto__.x": 1 } })).toThrow(
      /cannot be stored/,
    );
  });
});
