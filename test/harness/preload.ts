import type { Repository, Store } from "../../platform/data/repository";
import { PRODUCT_INDEXES } from "../../services/catalog/model";
import { ORDER_INDEXES } from "../../services/orders/model";
import { SEARCH_DOC_INDEXES, type SearchDoc } from "../../services/search/model";

/** Inserts `count` documents, `parallel` at a time (a server store takes several at once). */
async function insertAll<T extends { id: string }>(
  repo: Repository<T>,
  count: number,
  make: (i: number) => T,
  parallel: number,
  onProgress?: (loaded: number) => void,
): Promise<void> {
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, (_, k) => make(i + k));
    await Promise.all(batch.map((doc) => repo.insert(doc)));
    if (onProgress && Math.floor((i + batch.length) / 50_000) > Math.floor(i / 50_000))
      onProgress(i + batch.length);
  }
}

/**
 * A shop after weeks of trade, written straight through the repository (not the API):
 * `products` products and `orders` settled orders (events sent, effects done) from 5,000
 * customers.
 */
export async function preloadShop(
  store: Store,
  orders: number,
  products: number,
  onProgress?: (ordersLoaded: number) => void,
  parallel = 1,
): Promise<void> {
  const productRepo = await store.repository("products", PRODUCT_INDEXES);
  const orderRepo = await store.repository("orders", ORDER_INDEXES);
  const start = Date.now() - (orders + products) * 1000;
  // One second apart, as trade spreads them: listings sorted by time have distinct keys.
  const at = (i: number) => new Date(start + i * 1000).toISOString();
  const now = new Date().toISOString();
  await insertAll(
    productRepo,
    products,
    (i) => ({
      id: `p${i}`,
      sku: `GROW-${i}`,
      name: `Product ${i}`,
      description: "",
      price: 1000 + (i % 50),
      currency: "USD",
      category: `c${i % 40}`,
      stock: 1000,
      active: true,
      createdAt: at(i),
      updatedAt: at(i),
    }),
    parallel,
  );
  await insertAll(
    orderRepo,
    orders,
    (i) => ({
      id: `ord_grow${i}`,
      userId: `u${i % 5000}`,
      status: "CONFIRMED",
      items: [
        {
          productId: `p${i % products}`,
          sku: `GROW-${i % products}`,
          name: "x",
          unitPrice: 1000,
          quantity: 1,
          lineTotal: 1000,
        },
      ],
      total: 1000,
      currency: "USD",
      shippingAddress: { name: "A", line1: "1", city: "C", postalCode: "1", country: "DE" },
      fromCart: false,
      idempotencyRef: `u${i % 5000}:k${i}`,
      history: [{ status: "CONFIRMED", at: now }],
      outbox: {
        [`evt_${i}`]: { id: `evt_${i}`, type: "orders.confirmed", ts: now, data: {}, sentAt: now },
      },
      outboxPending: 0,
      effects: { commitStock: "done" },
      effectsPending: 0,
      createdAt: at(products + i),
      updatedAt: now,
    }),
    parallel,
    onProgress,
  );
}

const ADJECTIVES = [
  "Oak",
  "Steel",
  "Linen",
  "Copper",
  "Walnut",
  "Glass",
  "Stone",
  "Cotton",
  "Brass",
];
const NOUNS = [
  "table",
  "chair",
  "lamp",
  "towel",
  "bowl",
  "vase",
  "blanket",
  "frame",
  "clock",
  "mug",
];
const CATEGORIES = ["home", "kitchen", "lighting", "garden", "bath", "biology", "photography"];

/** What the search benches ask, in turn: exact words, typos, prefixes and several words. */
export const BENCH_QUERIES = [
  "lamp",
  "copper vase",
  "lamb",
  "blankett",
  "walnut cl",
  "oak table 120",
  "bras",
  "kitchen towel",
];

/**
 * The `i`th of the bench's searchable documents, written at `at`: mostly products, one in ten a
 * course, titles made of common words and a number.
 */
export function searchDocAt(i: number, at: string): SearchDoc {
  const kind: SearchDoc["kind"] = i % 10 === 0 ? "course" : "product";
  const title = `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[(i * 7) % NOUNS.length]} ${i}`;
  return {
    id: `${kind}:s${i}`,
    kind,
    refId: `s${i}`,
    title,
    summary: `A ${title.toLowerCase()} that pairs with a ${NOUNS[(i * 3) % NOUNS.length]}.`,
    category: CATEGORIES[i % CATEGORIES.length],
    price: (i * 7919) % 60_000,
    currency: "USD",
    visible: i % 50 !== 0,
    sourceUpdatedAt: at,
    syncedAt: at,
  };
}

/** `count` searchable documents in the search store, as the change channels would have written them. */
export async function preloadSearch(store: Store, count: number, parallel = 1): Promise<void> {
  const docs = await store.repository<SearchDoc>("search_docs", SEARCH_DOC_INDEXES);
  // Written over time, a millisecond apart, as the consumer writes them: no two share an
  // instant (that case, a bulk load, is the index sync's unit test).
  const start = Date.now() - count;
  await insertAll(docs, count, (i) => searchDocAt(i, new Date(start + i).toISOString()), parallel);
}
