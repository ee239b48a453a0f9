import { placeOrder, registerBuyer, type Client } from "./http";

/** What the shoppers saw: each answer's status (0: no answer at all). */
export interface ShoppingLog {
  reads: number[];
  checkouts: number[];
}

export interface Shoppers {
  tokens: string[];
  /** Stops the load and resolves once every shopper's last request is answered. */
  stop(): Promise<ShoppingLog>;
}

/**
 * Customers who each, in a loop, look at a product and buy one of it, through the given
 * gateways (one each, in turn): steady browse and checkout load for chaos and restart tests.
 */
export async function startShoppers(
  gateways: Client[],
  productId: string,
  count = 4,
): Promise<Shoppers> {
  const log: ShoppingLog = { reads: [], checkouts: [] };
  const customers = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const gw = gateways[i % gateways.length];
      return { gw, token: await registerBuyer(gw, "shopper") };
    }),
  );
  let running = true;
  // No answer at all: back off a little, as a real client would (and so as not to spin).
  const status = (request: Promise<{ status: number }>) =>
    request.then(
      (res) => res.status,
      () => new Promise<number>((resolve) => setTimeout(() => resolve(0), 50)),
    );
  const shop = async ({ gw, token }: { gw: Client; token: string }) => {
    while (running) {
      log.reads.push(await status(gw.get(`/api/v1/products/${productId}`)));
      log.checkouts.push(await status(placeOrder(gw, token, productId)));
    }
  };
  const load = Promise.all(customers.map(shop));
  return {
    tokens: customers.map((c) => c.token),
    async stop() {
      running = false;
      await load;
      return log;
    },
  };
}

/** How many statuses of each kind: `{200: 310, 503: 2}`. */
export function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/** Confirmation notices the customers got, and orders analytics counted in the last 10 min. */
export async function confirmationsSeen(
  gw: Client,
  admin: string,
  tokens: string[],
): Promise<{ told: number; counted: number }> {
  let told = 0;
  for (const token of tokens)
    for (let page = 1; ; page++) {
      const res = await gw.get(`/api/v1/notifications?pageSize=100&page=${page}`, { token });
      const rows: { type: string }[] = res.body.rows ?? [];
      told += rows.filter((r) => r.type === "order_confirmed").length;
      if (rows.length < 100) break;
    }
  const from = new Date(Date.now() - 10 * 60_000).toISOString();
  const res = await gw.get(`/api/v1/analytics/orders?from=${from}`, { token: admin });
  const windows: { orders: number }[] = res.body.windows ?? [];
  return { told, counted: windows.reduce((n, w) => n + w.orders, 0) };
}
