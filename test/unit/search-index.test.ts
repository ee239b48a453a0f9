import { SearchIndex, editsAllowed, highlight } from "../../services/search/search-index";
import { fromCourse, fromProduct } from "../../services/search/documents";
import { SEARCH_CORPUS } from "../fixtures/search-corpus";

function corpusIndex(): SearchIndex {
  const index = new SearchIndex();
  for (const doc of SEARCH_CORPUS) index.upsert(doc);
  return index;
}

const top = (index: SearchIndex, q: string, n = 1) =>
  index
    .search({ q, includeHidden: false, page: 1, pageSize: 10 })
    .rows.slice(0, n)
    .map((r) => r.refId);

describe("search relevance on a fixed corpus", () => {
  const index = corpusIndex();

  test.each([
    ["exact", "desk lamp", ["p-lamp"]],
    ["one typo", "lamb", ["p-lamp", "p-floor"]],
    ["two typos in a long word", "photosynthsis", ["c-photo"]],
    ["a prefix", "photosynth", ["c-photo"]],
    ["several words, in any order", "physiology plant", ["c-plant"]],
    ["a title beats a description", "lamp", ["p-lamp", "p-floor"]],
  ])("When the query is %s (%s), then the expected items come first", (_what, q, expected) => {
    expect(top(index, q, expected.length).sort()).toEqual([...expected].sort());
  });

  test("When a word matches only a category, then it still finds, below title matches", () => {
    const rows = index.search({ q: "lighting", includeHidden: false, page: 1, pageSize: 50 }).rows;
    expect(rows[0].refId).toBe("c-light");
    expect(rows.some((r) => r.refId === "p-lamp")).toBe(true);
  });

  test("When results are faceted and filtered, then facets count everything found and rows narrow", () => {
    const all = index.search({ q: "lamp", includeHidden: false, page: 1, pageSize: 5 });
    const kinds = Object.fromEntries(all.facets.kind.map((f) => [f.value, f.count]));
    expect(kinds.course).toBeGreaterThanOrEqual(1);
    expect(kinds.product).toBeGreaterThan(100);
    expect(all.rows).toHaveLength(5);
    expect(all.totalPages).toBe(Math.ceil(all.total / 5));
    const courses = index.search({
      q: "lamp",
      kind: "course",
      includeHidden: false,
      page: 1,
      pageSize: 5,
    });
    expect(courses.rows.map((r) => r.refId)).toEqual(["c-light"]);
    expect(courses.facets).toEqual(all.facets);
    const cheap = index.search({
      q: "lamp",
      priceMax: 4000,
      includeHidden: false,
      page: 1,
      pageSize: 100,
    });
    expect(cheap.rows.every((r) => (r.price ?? 0) <= 4000)).toBe(true);
    expect(cheap.rows.some((r) => r.refId === "p-lamp")).toBe(true);
  });

  test("When a prefix is typed, then suggestions complete it", () => {
    expect(index.suggest("pho", false)).toContain("photosynthesis");
    expect(index.suggest("phys", false)[0]).toBe("physiology");
  });

  test("When an item is hidden, then only an admin finds it", () => {
    const own = corpusIndex();
    // Withdrawn: the store took the change later than the first telling.
    own.upsert({ ...SEARCH_CORPUS[0], visible: false, syncedAt: "2026-12-02T00:00:00.000Z" });
    expect(top(own, "desk lamp")).not.toEqual(["p-lamp"]);
    expect(
      own.search({ q: "desk lamp", includeHidden: true, page: 1, pageSize: 1 }).rows[0].refId,
    ).toBe("p-lamp");
    expect(own.suggest("des", false)).not.toContain("desk");
  });

  test("When short words are typed, then they are matched exactly, not loosely", () => {
    expect(editsAllowed("mug")).toBe(0);
    expect(editsAllowed("lamb")).toBe(1);
    expect(editsAllowed("photosynthsis")).toBe(2);
  });
});

describe("highlights and documents", () => {
  test("When text holds markup, then it is escaped and only the matched words are marked", () => {
    expect(highlight("<b>Desk</b> lamp & more", new Set(["lamp"]))).toBe(
      "&lt;b&gt;Desk&lt;/b&gt; <mark>lamp</mark> &amp; more",
    );
  });

  test("When a course is told, then it and its lessons are found only while published; its product is not indexed twice", () => {
    const course = {
      id: "c1",
      slug: "s",
      title: "Soil",
      summary: "Dirt",
      description: "",
      category: "biology",
      level: "beginner",
      price: 0,
      currency: "USD",
      status: "draft",
      instructorId: "t",
      lessons: [{ id: "l1", title: "Clay" }],
      updatedAt: "2026-12-01T00:00:00.000Z",
    };
    expect(fromCourse(course).map((d) => [d.id, d.visible])).toEqual([
      ["course:c1", false],
      ["lesson:l1", false],
    ]);
    expect(fromCourse({ ...course, status: "published" }).every((d) => d.visible)).toBe(true);
    const product = {
      id: "course-c1",
      sku: "S",
      name: "Soil",
      description: "",
      price: 0,
      currency: "USD",
      category: "biology",
      stock: 0,
      active: true,
      kind: "course" as const,
      createdAt: "",
      updatedAt: "",
    };
    expect(fromProduct(product)).toEqual([]);
  });
});
