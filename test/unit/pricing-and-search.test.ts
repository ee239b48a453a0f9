import {
  assertDistinctProducts,
  priceLines,
  type CatalogProduct,
} from "../../services/orders/pricing";
import {
  queryTerms,
  rankBySearch,
  relevance,
  searchTerms,
  words,
} from "../../services/catalog/search";

const product = (
  id: string,
  price: number,
  extra: Partial<CatalogProduct> = {},
): CatalogProduct => ({
  id,
  sku: id.toUpperCase(),
  name: `Product ${id}`,
  price,
  currency: "USD",
  active: true,
  ...extra,
});

describe("pricing an order", () => {
  test("When lines are priced, then unit prices come from the catalog and totals add up", () => {
    const priced = priceLines(
      [
        { productId: "a", quantity: 3 },
        { productId: "b", quantity: 1 },
      ],
      [product("a", 250), product("b", 1999)],
    );
    expect(priced).toEqual({
      currency: "USD",
      total: 2749,
      items: [
        {
          productId: "a",
          sku: "A",
          name: "Product a",
          unitPrice: 250,
          quantity: 3,
          lineTotal: 750,
        },
        {
          productId: "b",
          sku: "B",
          name: "Product b",
          unitPrice: 1999,
          quantity: 1,
          lineTotal: 1999,
        },
      ],
    });
  });

  test("When products are unknown or inactive, then 422 names each line", () => {
    try {
      priceLines(
        [
          { productId: "x", quantity: 1 },
          { productId: "b", quantity: 1 },
        ],
        [product("b", 1, { active: false })],
      );
      throw new Error("priced");
    } catch (err) {
      expect(err).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
      expect((err as { data: { field: string }[] }).data.map((p) => p.field)).toEqual([
        "items[0].productId",
        "items[1].productId",
      ]);
    }
  });

  test("When lines mix currencies or the total overflows, then 422", () => {
    expect(() =>
      priceLines(
        [
          { productId: "a", quantity: 1 },
          { productId: "b", quantity: 1 },
        ],
        [product("a", 1), product("b", 1, { currency: "EUR" })],
      ),
    ).toThrow(expect.objectContaining({ code: 422 }));
    expect(() =>
      priceLines([{ productId: "a", quantity: 1000 }], [product("a", Number.MAX_SAFE_INTEGER)]),
    ).toThrow(expect.objectContaining({ code: 422 }));
  });

  test("When a product appears on two lines, then 422", () => {
    expect(() =>
      assertDistinctProducts([
        { productId: "a", quantity: 1 },
        { productId: "a", quantity: 2 },
      ]),
    ).toThrow(expect.objectContaining({ code: 422 }));
  });
});

describe("catalog search", () => {
  const lamp = { name: "Desk lamp", description: "Warm light", category: "home", sku: "LMP-1" };
  const mug = {
    name: "Enamel mug",
    description: "Goes with a lamp",
    category: "kitchen",
    sku: "MUG-1",
  };
  const lampsCategory = { name: "Shade", description: "", category: "lamp", sku: "SHD-1" };

  test("When text is split into words, then case, accents, punctuation and one-letter words go", () => {
    expect(words("Crème BRÛLÉE, a dish!")).toEqual(["creme", "brulee", "dish"]);
    expect(searchTerms(lamp)).toEqual(["desk", "lamp", "warm", "light", "home", "lmp"]);
    expect(queryTerms("lamp lamp  LAMP")).toEqual(["lamp"]);
  });

  test("When ranking, then a name match beats a category match beats a description match", () => {
    expect(relevance(lamp, ["lamp"])).toBeGreaterThan(relevance(lampsCategory, ["lamp"]));
    expect(relevance(lampsCategory, ["lamp"])).toBeGreaterThan(relevance(mug, ["lamp"]));
    expect(rankBySearch([mug, lampsCategory, lamp], ["lamp"]).map((p) => p.name)).toEqual([
      "Desk lamp",
      "Shade",
      "Enamel mug",
    ]);
  });

  test("When the query is the whole name, then that product comes first", () => {
    const deskLampStand = { ...lamp, name: "Desk lamp stand" };
    expect(rankBySearch([deskLampStand, lamp], queryTerms("desk lamp"))[0].name).toBe("Desk lamp");
  });
});
