/**
 * A shop's traffic against a running gateway, after Online Boutique's load generator: shoppers
 * who browse the catalog, look at products, fill a cart and sometimes check out. Requests start
 * at a fixed rate (open loop, so a slow server shows as latency, not as a lower rate), and each
 * second prints requests/s, p50/p99 and errors.
 *
 *   npm run loadgen                                   # http://127.0.0.1:3000, 20 req/s, 60 s
 *   BASE_URL=http://gw:3000 RATE=200 DURATION=300 SHOPPERS=50 npm run loadgen
 *
 * Needs a catalog (npm run seed, or SEED_DEMO_CATALOG=true) and a RATE_LIMIT_API that allows
 * the rate; shoppers register themselves. Exits 1 if more than 1 % of requests failed.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const RATE = Number(process.env.RATE ?? 20);
const DURATION = Number(process.env.DURATION ?? 60);
const SHOPPERS = Number(process.env.SHOPPERS ?? 10);

/** What a shopper does next, with its weight (Online Boutique's mix, with a checkout at 5 %). */
const MIX: [Task, number][] = [
  ["browse", 40],
  ["view", 30],
  ["addToCart", 15],
  ["viewCart", 10],
  ["checkout", 5],
];
type Task = "browse" | "view" | "addToCart" | "viewCart" | "checkout";
const TOTAL_WEIGHT = MIX.reduce((n, [, w]) => n + w, 0);

function nextTask(): Task {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const [task, weight] of MIX) if ((roll -= weight) < 0) return task;
  return "browse";
}

async function call(path: string, init: RequestInit = {}, token?: string): Promise<Response> {
  return fetch(BASE_URL + path, {
    ...init,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    },
  });
}

interface Shopper {
  token: string;
  inCart: boolean;
}

/** Latencies and outcomes of the current second, and of the whole run. */
class Figures {
  private window: number[] = [];
  private errorsInWindow = 0;
  readonly all: number[] = [];
  errors = 0;

  record(ms: number, ok: boolean) {
    this.window.push(ms);
    this.all.push(ms);
    if (!ok) {
      this.errorsInWindow++;
      this.errors++;
    }
  }

  static percentile(sorted: number[], p: number): number {
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
  }

  line(label: string, values: number[], errors: number, seconds: number): string {
    const sorted = [...values].sort((a, b) => a - b);
    return (
      `${label}  ${(values.length / seconds).toFixed(1).padStart(7)} req/s  ` +
      `p50 ${Figures.percentile(sorted, 0.5).toFixed(0).padStart(4)} ms  ` +
      `p99 ${Figures.percentile(sorted, 0.99).toFixed(0).padStart(5)} ms  errors ${errors}`
    );
  }

  flushSecond(second: number): string {
    const text = this.line(`${String(second).padStart(4)} s`, this.window, this.errorsInWindow, 1);
    this.window = [];
    this.errorsInWindow = 0;
    return text;
  }
}

async function main() {
  const products = (await (await call("/api/v1/products?pageSize=100")).json()) as {
    rows?: { id: string }[];
  };
  const ids = (products.rows ?? []).map((p) => p.id);
  if (!ids.length) throw new Error(`No products at ${BASE_URL}: run "npm run seed" first.`);
  const pick = () => ids[Math.floor(Math.random() * ids.length)];

  const shoppers: Shopper[] = await Promise.all(
    Array.from({ length: SHOPPERS }, async () => {
      const res = await call("/api/v1/auth/register", {
        method: "POST",
        body: JSON.stringify({
          email: `loadgen-${randomUUID()}@example.com`,
          password: "loadgen-password",
          name: "Load",
        }),
      });
      const body = (await res.json()) as { token?: string };
      if (!body.token) throw new Error(`Could not register a shopper: ${res.status}`);
      return { token: body.token, inCart: false };
    }),
  );

  const run = async (shopper: Shopper): Promise<boolean> => {
    const task = shopper.inCart
      ? nextTask()
      : (["browse", "view", "addToCart"] as const)[Math.floor(Math.random() * 3)];
    const { token } = shopper;
    switch (task) {
      case "browse":
        return (await call(`/api/v1/products?page=${1 + Math.floor(Math.random() * 3)}`)).ok;
      case "view":
        return (await call(`/api/v1/products/${pick()}`)).ok;
      case "addToCart": {
        const body = JSON.stringify({ quantity: 1 + Math.floor(Math.random() * 3) });
        const res = await call(`/api/v1/cart/items/${pick()}`, { method: "PUT", body }, token);
        shopper.inCart ||= res.ok;
        return res.ok;
      }
      case "viewCart":
        return (await call("/api/v1/cart", {}, token)).ok;
      case "checkout": {
        const cart = (await (await call("/api/v1/cart", {}, token)).json()) as {
          items?: { productId: string; quantity: number }[];
        };
        const res = await call(
          "/api/v1/orders",
          {
            method: "POST",
            headers: { "idempotency-key": randomUUID() },
            body: JSON.stringify({
              items: (cart.items ?? []).map(({ productId, quantity }) => ({ productId, quantity })),
              shippingAddress: {
                name: "Load",
                line1: "1 Test St",
                city: "Town",
                postalCode: "1",
                country: "FR",
              },
              payment: { token: "tok_visa" },
            }),
          },
          token,
        );
        shopper.inCart = false;
        // Out of stock (409) is the shop's answer, not a failure of the system.
        return res.ok || res.status === 409;
      }
    }
  };

  const figures = new Figures();
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let second = 1;
  console.log(`${RATE} req/s for ${DURATION} s against ${BASE_URL}, ${SHOPPERS} shoppers`);
  for (let i = 0; Date.now() - started < DURATION * 1000; i++) {
    const due = started + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    if (Date.now() - started >= second * 1000) console.log(figures.flushSecond(second++));
    const shopper = shoppers[i % shoppers.length];
    const begun = performance.now();
    const request = run(shopper)
      .catch(() => false)
      .then((ok) => figures.record(performance.now() - begun, ok))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  console.log(figures.line("total", figures.all, figures.errors, DURATION));
  if (figures.errors > figures.all.length / 100) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
