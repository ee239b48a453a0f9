import type { Client } from "./http";
import { waitFor } from "./node-process";

/**
 * architecture §5's invariants, checked on a snapshot of what the API shows an admin. Pure, so the
 * chaos and cluster tests can reuse it, and so a test can show it catches each violation.
 */
export interface Snapshot {
  initialStock: Record<string, number>;
  products: { id: string; stock: number }[];
  orders: {
    id: string;
    status: string;
    total: number;
    items: { productId: string; quantity: number }[];
  }[];
  payments: { orderId: string; amount: number; refunded: number; status: string }[];
}

const HOLDS_STOCK = new Set(["CONFIRMED", "SHIPPED", "DELIVERED"]);
const CHARGED = new Set(["CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"]);

export function invariantViolations(s: Snapshot): string[] {
  const problems: string[] = [];
  for (const p of s.products)
    if (p.stock < 0) problems.push(`product ${p.id} has stock ${p.stock}`);

  for (const o of s.orders)
    if (o.status === "PENDING") problems.push(`order ${o.id} never left PENDING`);

  for (const [productId, initial] of Object.entries(s.initialStock)) {
    const left = s.products.find((p) => p.id === productId)?.stock ?? 0;
    const sold = s.orders
      .filter((o) => HOLDS_STOCK.has(o.status))
      .flatMap((o) => o.items)
      .filter((l) => l.productId === productId)
      .reduce((n, l) => n + l.quantity, 0);
    if (initial !== left + sold)
      problems.push(`product ${productId}: initial ${initial} ≠ left ${left} + sold ${sold}`);
  }

  const paymentsByOrder = new Map<string, Snapshot["payments"]>();
  for (const p of s.payments)
    paymentsByOrder.set(p.orderId, [...(paymentsByOrder.get(p.orderId) ?? []), p]);
  for (const [orderId, list] of paymentsByOrder)
    if (list.filter((p) => p.status === "succeeded").length > 1)
      problems.push(`order ${orderId} was charged ${list.length} times`);
  for (const o of s.orders) {
    const charged = (paymentsByOrder.get(o.id) ?? []).filter((p) => p.status === "succeeded");
    if (CHARGED.has(o.status) && charged.length !== 1)
      problems.push(`order ${o.id} is ${o.status} with ${charged.length} successful charges`);
    if (!CHARGED.has(o.status) && charged.length > 0)
      problems.push(`order ${o.id} is ${o.status} but was charged`);
    for (const p of charged) {
      if (p.amount !== o.total) problems.push(`order ${o.id} total ${o.total} charged ${p.amount}`);
      const owed = o.status === "CANCELLED" ? p.amount : 0;
      if (p.refunded !== owed)
        problems.push(`order ${o.id} (${o.status}) refunded ${p.refunded}, owed ${owed}`);
    }
  }
  return problems;
}

/** Every row of a paged listing; a row shown on two pages is a defect of its own, not a double. */
async function allPages<T>(api: Client, path: string, token: string): Promise<T[]> {
  const rows = new Map<string, T>();
  for (let page = 1; ; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const res = await api.get(`${path}${sep}page=${page}&pageSize=100`, { token });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    for (const row of res.body.rows as (T & { id: string })[]) {
      if (rows.has(row.id)) throw new Error(`${path} listed ${row.id} on two pages`);
      rows.set(row.id, row);
    }
    if (page >= res.body.totalPages) return [...rows.values()];
  }
}

/** What an admin sees through the API, for `invariantViolations`. */
export async function snapshot(
  api: Client,
  adminToken: string,
  initialStock: Record<string, number>,
): Promise<Snapshot> {
  const [products, orders, payments] = await Promise.all([
    allPages<Snapshot["products"][number]>(api, "/api/v1/products", adminToken),
    allPages<Snapshot["orders"][number]>(api, "/api/v1/orders", adminToken),
    allPages<Snapshot["payments"][number]>(api, "/api/v1/payments", adminToken),
  ]);
  return { initialStock, products, orders, payments };
}

/** Waits until no order is PENDING: every accepted order reached a final state (architecture §5). */
export async function everyOrderSettled(
  api: Client,
  adminToken: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      const res = await api.get("/api/v1/orders?status=PENDING&pageSize=1", { token: adminToken });
      return res.status === 200 && res.body.total === 0;
    },
    timeoutMs,
    "every order settled",
  );
}
