import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NedbStore } from "../../platform/data/nedb.store";
import type { Repository } from "../../platform/data/repository";
import type { ProductDoc } from "../../services/catalog/model";
import {
  clearRestockMarkers,
  commitStock,
  RESTOCK_MARKERS_KEPT_MS,
  releaseStock,
  reserveStock,
  restockOrder,
} from "../../services/catalog/stock";
import { type ReservationDoc } from "../../services/catalog/model";

describe("stock holds", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bazaar-stock-"));
  const store = new NedbStore(dir);
  let products: Repository<ProductDoc>;
  let reservations: Repository<ReservationDoc>;
  let run = 0;

  beforeEach(async () => {
    run++;
    products = await store.repository<ProductDoc>(`products${run}`, []);
    reservations = await store.repository<ReservationDoc>(`reservations${run}`, []);
    for (const [id, stock] of [
      ["a", 5],
      ["b", 2],
    ] as const)
      await products.insert({
        id,
        sku: id,
        name: id,
        description: "",
        price: 1,
        currency: "USD",
        category: "c",
        stock,
        active: true,
        createdAt: "",
        updatedAt: "",
      });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stock = async (id: string) => (await products.findById(id))!.stock;
  const lines = [
    { productId: "a", quantity: 2 },
    { productId: "b", quantity: 1 },
  ];

  test("When an order is reserved twice, then stock moves once", async () => {
    await reserveStock(products, reservations, "o1", lines);
    await reserveStock(products, reservations, "o1", lines);
    expect([await stock("a"), await stock("b")]).toEqual([3, 1]);
  });

  test("When one line is short, then no line keeps a hold and the order is refused", async () => {
    await expect(
      reserveStock(products, reservations, "o2", [
        { productId: "a", quantity: 2 },
        { productId: "b", quantity: 3 },
      ]),
    ).rejects.toMatchObject({ type: "OUT_OF_STOCK" });
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });

  test("When an order that ran out of stock is reserved again (a rerun after a crash), then it is out of stock again, and holds nothing", async () => {
    const short = [
      { productId: "a", quantity: 2 },
      { productId: "b", quantity: 3 },
    ];
    await expect(reserveStock(products, reservations, "o9", short)).rejects.toMatchObject({
      type: "OUT_OF_STOCK",
    });
    await products.updateOne({ id: "b" }, { $set: { stock: 10 } });
    await expect(reserveStock(products, reservations, "o9", short)).rejects.toMatchObject({
      type: "OUT_OF_STOCK",
    });
    expect([await stock("a"), await stock("b")]).toEqual([5, 10]);
  });

  test("When a release is repeated, then stock comes back once; a later reservation is refused", async () => {
    await reserveStock(products, reservations, "o3", lines);
    await releaseStock(products, reservations, "o3");
    await releaseStock(products, reservations, "o3");
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
    await expect(reserveStock(products, reservations, "o3", lines)).rejects.toMatchObject({
      type: "INVALID_STATE",
    });
  });

  test("When an order is released before it was reserved, then a late reservation takes nothing", async () => {
    await releaseStock(products, reservations, "o4");
    await expect(reserveStock(products, reservations, "o4", lines)).rejects.toMatchObject({
      type: "INVALID_STATE",
    });
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });

  test("When a reservation is committed, then its units stay sold and its hold markers go", async () => {
    await reserveStock(products, reservations, "o5", lines);
    await commitStock(products, reservations, "o5");
    await commitStock(products, reservations, "o5");
    expect((await products.findById("a"))!.holds).toEqual({});
    expect(await stock("a")).toBe(3);
    await expect(releaseStock(products, reservations, "o5")).rejects.toMatchObject({
      type: "INVALID_STATE",
    });
  });

  test("When a committed order is restocked twice, then its units come back once", async () => {
    await reserveStock(products, reservations, "o6", lines);
    await commitStock(products, reservations, "o6");
    await restockOrder(products, reservations, "o6");
    await restockOrder(products, reservations, "o6");
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });

  test("When a twin restock read the reservation before the first one finished, then the units come back once", async () => {
    await reserveStock(products, reservations, "o9", lines);
    await commitStock(products, reservations, "o9");
    const readEarly = await reservations.findById("o9");
    await restockOrder(products, reservations, "o9");
    // The twin saw "committed", and carries on after the first restock is done.
    const twinView: Repository<ReservationDoc> = Object.create(reservations);
    twinView.findById = async () => readEarly;
    await restockOrder(products, twinView, "o9");
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });

  test("When an order is restocked, then its markers stay while a twin could run, and then go: products do not grow", async () => {
    await reserveStock(products, reservations, "o8", lines);
    await commitStock(products, reservations, "o8");
    await restockOrder(products, reservations, "o8");
    expect((await products.findById("a"))?.restocks).toEqual({ o8: 2 });
    expect(await clearRestockMarkers(products, reservations)).toBe(0);
    const later = Date.now() + RESTOCK_MARKERS_KEPT_MS + 1000;
    expect(await clearRestockMarkers(products, reservations, later)).toBe(1);
    for (const id of ["a", "b"]) {
      const product = await products.findById(id);
      expect(product?.holds ?? {}).toEqual({});
      expect(product?.restocks ?? {}).toEqual({});
    }
    await restockOrder(products, reservations, "o8");
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });

  test("When a hold crashed half-way, then a release gives back only what was taken", async () => {
    await reservations.insert({ id: "o7", lines, state: "holding", createdAt: "", updatedAt: "" });
    await products.updateOne({ id: "a" }, { $inc: { stock: -2 }, $set: { "holds.o7": 2 } });
    await releaseStock(products, reservations, "o7");
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });

  const course = (id: string, active = true) =>
    products.insert({
      id,
      sku: id,
      name: id,
      description: "",
      price: 1,
      currency: "USD",
      category: "c",
      stock: 0,
      active,
      kind: "course",
      unlimited: true,
      createdAt: "",
      updatedAt: "",
    });

  test("When a course (sold without a count) is ordered beside counted goods, then only the goods move, and a cancellation gives back only them", async () => {
    await course("k");
    const withCourse = [...lines, { productId: "k", quantity: 1 }];
    await reserveStock(products, reservations, "o20", withCourse);
    await commitStock(products, reservations, "o20");
    expect([await stock("a"), await stock("b"), await stock("k")]).toEqual([3, 1, 0]);
    await restockOrder(products, reservations, "o20");
    expect([await stock("a"), await stock("b"), await stock("k")]).toEqual([5, 2, 0]);
  });

  test("When a course is no longer on sale, then an order for it holds nothing and is refused", async () => {
    await course("k2", false);
    await expect(
      reserveStock(products, reservations, "o21", [...lines, { productId: "k2", quantity: 1 }]),
    ).rejects.toMatchObject({ type: "OUT_OF_STOCK" });
    expect([await stock("a"), await stock("b")]).toEqual([5, 2]);
  });
});
