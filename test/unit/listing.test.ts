import { PRODUCT_INDEXES, toProductView, type ProductDoc } from "../../services/catalog/model";
import { createProduct, putListing } from "../../services/catalog/products";
import type { Listing } from "../../contracts/catalog";
import { useTempSqlite } from "../harness/temp-store";

const temp = useTempSqlite("listing");

const listing: Listing = {
  id: "course-c1",
  sku: "COURSE-PHOTO",
  name: "Photosynthesis",
  description: "Light into sugar",
  price: 4900,
  currency: "USD",
  category: "biology",
  active: true,
  kind: "course",
};

describe("a course's product", () => {
  test("When a listing is put twice and then changed, then one uncounted product carries the last listing", async () => {
    const products = await temp.store().repository<ProductDoc>("products", PRODUCT_INDEXES);
    await putListing(products, listing);
    await putListing(products, listing);
    await putListing(products, { ...listing, price: 3900, active: false });
    const all = await products.find({});
    expect(all).toHaveLength(1);
    expect(toProductView(all[0])).toMatchObject({
      id: "course-c1",
      kind: "course",
      unlimited: true,
      price: 3900,
      active: false,
    });
  });

  test("When another product holds the SKU, then the listing is refused and nothing changes", async () => {
    const products = await temp.store().repository<ProductDoc>("products", PRODUCT_INDEXES);
    await createProduct(products, {
      sku: "COURSE-PHOTO",
      name: "A lamp",
      description: "",
      price: 100,
      currency: "USD",
      category: "lighting",
      stock: 3,
      active: true,
    });
    await expect(putListing(products, listing)).rejects.toMatchObject({ type: "SKU_TAKEN" });
    expect(await products.findById("course-c1")).toBeNull();
    const lamp = toProductView((await products.find({}))[0]);
    expect(lamp).toMatchObject({ stock: 3, name: "A lamp" });
    expect(lamp).not.toHaveProperty("kind");
  });
});
