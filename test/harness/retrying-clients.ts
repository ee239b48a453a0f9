import { registerBuyer, TEST_ADDRESS, client } from "./http";

/** One order as its client lived it: every attempt, until a final answer or the budget ran out. */
export interface OrderAttempts {
  key: string;
  startedAt: number;
  /** When the final answer came; undefined: the client gave up. */
  answeredAt?: number;
  status?: number;
  attempts: number;
  /** Attempts that got no answer within the client's per-attempt patience. */
  timedOut: number;
}

export interface RetryingClients {
  stop(): Promise<OrderAttempts[]>;
}

/** A final answer: the order exists, or it never will (refused, declined, out of stock). */
const isFinal = (status: number, type?: string) =>
  status === 201 ||
  status === 402 ||
  status === 422 ||
  (status === 409 && type !== "STILL_PROCESSING");

/**
 * Shoppers who place orders the way a careful client does: each order under its own
 * `Idempotency-Key`, retried on the next gateway after no answer within `patienceMs`, a 503, or
 * a 409 `STILL_PROCESSING` (after its `Retry-After`), until a final answer or `budgetMs` is
 * spent. What a node's death costs is what they wait.
 */
export async function startRetryingClients(
  gateways: () => string[],
  productId: string,
  options: { count?: number; patienceMs?: number; budgetMs?: number } = {},
): Promise<RetryingClients> {
  const { count = 6, patienceMs = 5000, budgetMs = 20_000 } = options;
  const first = gateways()[0];
  const tokens = await Promise.all(
    Array.from({ length: count }, () => registerBuyer(client(first), "retrying")),
  );
  const orders: OrderAttempts[] = [];
  let running = true;
  let turn = 0;

  async function attempt(token: string, key: string) {
    const urls = gateways();
    const url = urls[turn++ % urls.length];
    const res = await fetch(`${url}/api/v1/orders`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "idempotency-key": key,
      },
      body: JSON.stringify({
        items: [{ productId, quantity: 1 }],
        shippingAddress: TEST_ADDRESS,
        payment: { token: "tok_visa" },
      }),
      signal: AbortSignal.timeout(patienceMs),
    });
    const body = (await res.json().catch(() => ({}))) as { type?: string };
    return { status: res.status, type: body.type, retryAfter: res.headers.get("retry-after") };
  }

  async function placeOne(token: string, n: number, shopper: number) {
    const order: OrderAttempts = {
      key: `retrying-${shopper}-${n}-${Date.now()}`,
      startedAt: Date.now(),
      attempts: 0,
      timedOut: 0,
    };
    orders.push(order);
    while (Date.now() - order.startedAt < budgetMs) {
      order.attempts++;
      let wait = 200;
      try {
        const answer = await attempt(token, order.key);
        if (isFinal(answer.status, answer.type)) {
          order.answeredAt = Date.now();
          order.status = answer.status;
          return;
        }
        if (answer.retryAfter) wait = Number(answer.retryAfter) * 1000;
      } catch (err) {
        if ((err as Error).name === "TimeoutError") order.timedOut++;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  const load = Promise.all(
    tokens.map(async (token, shopper) => {
      for (let n = 0; running; n++) await placeOne(token, n, shopper);
    }),
  );
  return {
    async stop() {
      running = false;
      await load;
      return orders;
    },
  };
}
