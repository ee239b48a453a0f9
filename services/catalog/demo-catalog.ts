import type { NewProduct } from "./products";

/** A small shop to play with: `SEED_DEMO_CATALOG=true npm start`, or `call catalog.seed`. */
export const DEMO_CATALOG: NewProduct[] = [
  [
    "SUN-001",
    "Vintage sunglasses",
    "Round tortoiseshell frames with UV400 lenses.",
    1999,
    "accessories",
    120,
  ],
  ["TNK-001", "Tank top", "Organic cotton, relaxed fit.", 1899, "clothing", 200],
  ["WTC-001", "Field watch", "Mechanical, 38 mm, canvas strap.", 10999, "accessories", 40],
  ["LMP-001", "Desk lamp", "Warm LED, dimmable, aluminium arm.", 3499, "home", 75],
  ["MUG-001", "Enamel mug", "Camp mug, 350 ml, dishwasher safe.", 1299, "kitchen", 300],
  ["JAR-001", "Salt and pepper shakers", "Hand-thrown stoneware, set of two.", 1849, "kitchen", 90],
  ["BMB-001", "Bamboo glass jar", "Airtight jar with a bamboo lid, 1 l.", 549, "kitchen", 500],
  ["HRL-001", "Hairdryer", "Ionic, 1800 W, two speeds.", 2499, "beauty", 60],
  [
    "CRS-001",
    "Course: TypeScript services",
    "Twelve lessons on building services that stay up.",
    4900,
    "courses",
    10000,
  ],
  [
    "CRS-002",
    "Course: Sourdough at home",
    "From starter to loaf in six sessions.",
    2900,
    "courses",
    10000,
  ],
].map(([sku, name, description, price, category, stock]) => ({
  sku: sku as string,
  name: name as string,
  description: description as string,
  price: price as number,
  currency: "USD",
  category: category as string,
  stock: stock as number,
  active: true,
}));
