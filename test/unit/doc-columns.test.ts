import { DocColumns } from "../../services/search/doc-columns";

/** The columns filters and facets read: a document's kind, category, price and visibility. */
function columns() {
  const c = new DocColumns();
  c.set(0, { kind: "product", category: "kitchen", price: 0, visible: true });
  c.set(1, { kind: "product", category: "kitchen", price: 2499, visible: true });
  c.set(2, { kind: "course", category: "biology", price: 2500, visible: true });
  c.set(3, { kind: "lesson", category: "biology", visible: false, readers: ["course:c1"] });
  c.set(4, { kind: "product", category: "garden", price: 60_000, visible: false });
  return c;
}
const ALL = Int32Array.from([0, 1, 2, 3, 4]);

describe("search's document columns", () => {
  test("When facets are counted, then each price falls in its one range and documents without a price in none", () => {
    expect(columns().facets([0, 1, 2, 3, 4], ALL)).toEqual({
      kind: [
        { value: "product", count: 3 },
        { value: "course", count: 1 },
        { value: "lesson", count: 1 },
      ],
      category: [
        { value: "biology", count: 2 },
        { value: "kitchen", count: 2 },
        { value: "garden", count: 1 },
      ],
      price: [
        { value: "free", count: 1 },
        { value: "under-25", count: 1 },
        { value: "25-100", count: 1 },
        { value: "500-and-more", count: 1 },
      ],
    });
  });

  test("When a kind or category no document has is asked for, then nothing matches; none asked, no filter", () => {
    const c = columns();
    expect(c.narrowed("nothing-like-this")!(0)).toBe(false);
    expect(c.narrowed(undefined, "no-such-category")!(1)).toBe(false);
    expect([0, 1, 2, 3, 4].filter(c.narrowed("product", "kitchen")!)).toEqual([0, 1]);
    expect(c.narrowed()).toBeUndefined();
  });

  test("When prices bound a query, then a document without a price counts as free", () => {
    const c = columns();
    expect([0, 1, 2, 3, 4].filter(c.priced(0, 2499))).toEqual([0, 1, 3]);
    expect([0, 1, 2, 3, 4].filter(c.priced(2500))).toEqual([2, 4]);
  });

  test("When a document is hidden, then only an admin or one of its readers sees it; a changed document is read as it is now", () => {
    const c = columns();
    const none = new Set<string>();
    expect(c.sees(3, false, none)).toBe(false);
    expect(c.sees(3, false, new Set(["course:c1"]))).toBe(true);
    expect(c.sees(4, true, none)).toBe(true);
    c.set(4, { kind: "product", category: "garden", price: 100, visible: true });
    expect(c.sees(4, false, none)).toBe(true);
    expect([4].filter(c.priced(undefined, 100))).toEqual([4]);
  });

  test("When many documents are set, then the columns grow and keep what they held", () => {
    const c = new DocColumns();
    for (let slot = 0; slot < 5000; slot++)
      c.set(slot, { kind: "product", category: `c${slot % 3}`, price: slot, visible: true });
    expect(
      c.facets(
        [0, 1024, 4999],
        Int32Array.from({ length: 5000 }, (_, i) => i),
      ).kind,
    ).toEqual([{ value: "product", count: 3 }]);
    expect([0, 1024, 4999].filter(c.priced(1000, 5000))).toEqual([1024, 4999]);
  });
});
