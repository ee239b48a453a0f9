import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Repository } from "../../platform/data/repository";
import { SqliteStore } from "../../platform/data/sqlite.store";
import {
  foldPending,
  foldWindow,
  sweepParts,
  type FoldStores,
} from "../../services/analytics/fold";
import { behaviourParts, insertNew, orderEventParts } from "../../services/analytics/window-parts";
import { PART_INDEXES, WINDOW_USER_INDEXES, type WindowPart } from "../../services/analytics/model";

const W = "2026-11-21T12:00:00.000Z";
let dir: string;
let store: SqliteStore;
let stores: FoldStores;
let run = 0;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "bazaar-fold-"));
  store = new SqliteStore(dir);
  run++;
  stores = {
    parts: await store.repository(`parts${run}`, PART_INDEXES),
    windows: await store.repository(`windows${run}`, []),
    users: await store.repository(`users${run}`, WINDOW_USER_INDEXES),
  };
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function confirmed(id: string, userId: string, total: number, ts = "2026-11-21T12:00:30Z") {
  return {
    id,
    type: "orders.confirmed",
    ts,
    data: {
      userId,
      total,
      items: [
        { productId: "lamp", sku: "L", name: "Lamp", unitPrice: 1, quantity: 2, lineTotal: 2 },
      ],
    },
  };
}

async function record(message: ReturnType<typeof confirmed>) {
  const { part, user } = orderEventParts(message);
  if (user) await insertNew(stores.users!, [user]);
  await insertNew(stores.parts, [part]);
}

async function drain() {
  while ((await foldPending(stores)).read > 0);
}

describe("order windows folded from per-message parts", () => {
  test("When orders and a cancellation are folded, then the window holds them net, buyers counted once", async () => {
    await record(confirmed("m1", "u1", 1000));
    await record(confirmed("m2", "u1", 500));
    await record(confirmed("m3", "u2", 200));
    await record({ ...confirmed("m4", "u2", 200), type: "orders.cancelled" });
    await drain();
    expect(await stores.windows.findById(W)).toMatchObject({
      orders: 2,
      revenue: 1500,
      uniqueUsers: 2,
      sold: { lamp: 4 },
    });
    expect(await stores.parts.count({ foldPending: { $gt: 0 } })).toBe(0);
  });

  test("When a message is recorded again after it was folded, then it is not counted again", async () => {
    await record(confirmed("m1", "u1", 1000));
    await drain();
    await record(confirmed("m1", "u1", 1000));
    await drain();
    expect(await stores.windows.findById(W)).toMatchObject({ orders: 1, revenue: 1000 });
  });

  test("When a fold dies between the window write and the parts' marks, then the next fold adds nothing twice", async () => {
    await record(confirmed("m1", "u1", 1000));
    await record(confirmed("m2", "u2", 300));
    const parts = stores.parts;
    let unmarks = 0;
    const dying: Repository<WindowPart> = Object.create(parts);
    dying.updateMany = async (filter, update) => {
      if (update.$unset?.foldPending && ++unmarks === 1) throw new Error("node died");
      return parts.updateMany(filter, update);
    };
    await expect(foldPending({ ...stores, parts: dying })).rejects.toThrow("node died");
    expect(await parts.count({ foldPending: { $gt: 0 } })).toBe(2);
    await record(confirmed("m3", "u3", 7));
    await drain();
    expect(await stores.windows.findById(W)).toMatchObject({ orders: 3, revenue: 1307 });
    expect(await parts.count({ foldPending: { $gt: 0 } })).toBe(0);
  });

  test("When a fold was listed before another node folded the same parts, then it adds none of them", async () => {
    await record(confirmed("m1", "u1", 1000));
    const listed = (await stores.parts.find({ foldPending: { $gt: 0 } })).map((p) => p.id);
    await drain();
    await record(confirmed("m2", "u2", 1));
    await drain();
    expect(await foldWindow(stores, W, listed)).toBe(0);
    expect(await stores.windows.findById(W)).toMatchObject({ orders: 2, revenue: 1001 });
  });

  test("When several folds run at once, then every order is counted exactly once", async () => {
    const messages = Array.from({ length: 300 }, (_, i) => confirmed(`m${i}`, `u${i % 7}`, 10));
    await Promise.all([
      (async () => {
        for (const m of messages) await record(m);
      })(),
      ...Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 60; i++) await foldPending(stores);
      }),
    ]);
    await drain();
    expect(await stores.windows.findById(W)).toMatchObject({
      orders: 300,
      revenue: 3000,
      uniqueUsers: 7,
    });
  });

  test("When old windows are swept, then folded parts and buyers go and pending parts stay", async () => {
    await record(confirmed("old1", "u1", 1));
    await drain();
    await record(confirmed("old2", "u2", 1));
    await record(confirmed("new", "u3", 1, "2026-11-29T12:00:00Z"));
    const now = Date.parse("2026-11-30T12:00:00Z");
    expect(await sweepParts(stores, 7 * 24 * 3600_000, now)).toBe(1);
    expect((await stores.parts.find({})).map((p) => p.id).sort()).toEqual([
      `${W}:old2`,
      `2026-11-29T12:00:00.000Z:new`,
    ]);
    await drain();
    expect(await stores.windows.findById(W)).toMatchObject({ orders: 2, uniqueUsers: 2 });
    expect(await sweepParts(stores, 7 * 24 * 3600_000, now)).toBe(3);
    expect(await stores.users!.count({})).toBe(1);
  });
});

describe("behaviour batches as parts", () => {
  test("When a batch spans windows and holds late events, then one part per window and drops count where it arrived", () => {
    const now = Date.parse("2026-11-21T12:10:20Z");
    const { parts, dropped } = behaviourParts(
      "b1",
      [
        { type: "product_view", productId: "lamp", ts: "2026-11-21T12:10:01Z" },
        { type: "shop.promo", ts: "2026-11-21T12:10:02Z" },
        { type: "search", ts: "2026-11-21T12:09:00Z" },
        { type: "search", ts: "2026-11-21T11:00:00Z" },
      ],
      now,
      300_000,
    );
    expect(dropped).toBe(1);
    expect(parts).toEqual([
      {
        id: "2026-11-21T12:10:00.000Z:b1",
        windowStart: "2026-11-21T12:10:00.000Z",
        inc: { "counts.product_uview": 1, "views.lamp": 1, "counts.shop_dpromo": 1, dropped: 1 },
        foldPending: 1,
      },
      {
        id: "2026-11-21T12:09:00.000Z:b1",
        windowStart: "2026-11-21T12:09:00.000Z",
        inc: { "counts.search": 1 },
        foldPending: 1,
      },
    ]);
  });
});
