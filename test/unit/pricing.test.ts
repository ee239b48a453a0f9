import {
  assertDistinctProducts,
  priceLines,
  type CatalogProduct,
} from "../../services/orders/pricing";

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
