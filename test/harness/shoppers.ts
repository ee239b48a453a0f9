import { placeOrder, registerBuyer, type Client } from "./http";

/** An answer that was not the success: when, through which gateway, and what it said. */
export interface Refusal {
  at: string;
  gateway: number;
  kind: "read" | "checkout";
  status: number;
  type?: string;
  message?: string;
}

/** What the shoppers saw: each answer's status (0: no answer at all), and each refusal. */
export interface ShoppingLog {
  reads: number[];
  checkouts: number[];
  refusals: Refusal[];
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
  const log: ShoppingLog = { reads: [], checkouts: [], refusals: [] };
  const customers = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const gw = gateways[i % gateways.length];
      return { gw, gateway: i % gateways.length, token: await registerBuyer(gw, "shopper") };
    }),
  );
  let running = true;
  type Shopper = (typeof customers)[number];
  const status = async (
    shopper: Shopper,
    kind: Refusal["kind"],
    request: Promise<{ status: number; body?: { type?: string; message?: string } }>,
  ) => {
    const res = await request.catch(() => undefined);
    const code = res?.status ?? 0;
    if (code !== (kind === "read" ? 200 : 201))
      log.refusals.push({
        at: new Date().toISOString(),
        gateway: shopper.gateway,
        kind,
        status: code,
        type: res?.body?.type,
        message: res?.body?.message?.slice(0, 120),
      });
    // No answer at all: back off a little, as a real client would (and so as not to spin).
    if (!res) await new Promise((resolve) => setTimeout(resolve, 50));
    return code;
  };
  const shop = async (shopper: Shopper) => {
    const { gw, token } = shopper;
    while (running) {
      log.reads.push(await status(shopper, "read", gw.get(`/api/v1/products/${productId}`)));
      log.checkouts.push(await status(shopper, "checkout", placeOrder(gw, token, productId)));
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

/**
 * Refusals in runs (consecutive ones of the same gateway, kind, status and type), each with its
 * first and last time: what a chaos run prints so a failure can be told from the machine.
 */
export function refusalRuns(refusals: Refusal[]): string[] {
  const runs: { first: Refusal; last: Refusal; count: number }[] = [];
  const same = (a: Refusal, b: Refusal) =>
    a.gateway === b.gateway && a.kind === b.kind && a.status === b.status && a.type === b.type;
  for (const refusal of refusals) {
    const run = [...runs].reverse().find((r) => same(r.last, refusal));
    if (run && Date.parse(refusal.at) - Date.parse(run.last.at) < 2000) {
      run.last = refusal;
      run.count++;
    } else runs.push({ first: refusal, last: refusal, count: 1 });
  }
  return runs.map(
    ({ first, last, count }) =>
      `${first.at.slice(11, 23)}–${last.at.slice(11, 23)} gateway-${first.gateway + 1} ${first.kind} ` +
      `${first.status} ${first.type ?? ""} ×${count}: ${first.message ?? ""}`,
  );
}
