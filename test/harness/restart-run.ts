import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { untilServing, client, createProduct, loginToken, type Client } from "./http";
import { everyOrderSettled, invariantViolations, snapshot } from "./invariants";
import { startNodeProcess, waitFor, type NodeProcess } from "./node-process";
import { startReceiver } from "./receivers";
import { freePort } from "./servers";
import { confirmationsSeen, startShoppers } from "./shoppers";

/**
 * The one-process node under a steady order stream, stopped with each signal in turn at moments
 * drawn at random and started again on the same data: what the restart test (short) and
 * `npm run bench:restart` (long) both run.
 */
export interface RestartRun {
  /** How long after the load stopped until no outbox held an unpublished event (ms). */
  drainedMs: number;
  /** Invariant violations of architecture §5 once every order settled. */
  violations: string[];
  confirmed: string[];
  checkouts: number[];
  told: number;
  counted: number;
  /** Distinct confirmed orders a webhook receiver was sent, and delivery records kept. */
  hooked: string[];
  deliveries: number;
}

const ADMIN = { email: "restart-admin@example.com", password: "restart-admin-1" };
const STOCK = 1_000_000;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ready(api: Client): Promise<void> {
  await untilServing(api, 60_000, "ready");
}

/** Every outbox's lag gauge reads 0 and the orders backlog gauge too. */
async function outboxEmpty(metricsPort: number): Promise<boolean> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const values = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].map((m) =>
      Number(m[1]),
    );
  const lags = values("bazaar_outbox_lag_seconds");
  const pending = values("bazaar_outbox_pending");
  return lags.length > 0 && [...lags, ...pending].every((v) => v === 0);
}

export async function runRestarts(options: {
  storeEnv: Record<string, string>;
  signals: NodeJS.Signals[];
  /** A stop comes after a pause drawn between these bounds (ms). */
  pauseMs: [number, number];
  shoppers?: number;
  log?: (line: string) => void;
}): Promise<RestartRun> {
  const receiver = await startReceiver();
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-restart-run-"));
  const port = await freePort();
  const metricsPort = await freePort();
  const env = {
    ...options.storeEnv,
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: "warn",
    JWT_SECRET: "restart-run-secret-".padEnd(48, "x"),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_API: "10000000",
    RATE_LIMIT_AUTH: "100000",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_RETRY_BASE_MS: "100",
    ORDER_STALE_MS: "2000",
    SHUTDOWN_DELAY_MS: "0",
  };
  const api = client(`http://127.0.0.1:${port}`);
  let node: NodeProcess = startNodeProcess(env);
  try {
    await ready(api);
    const admin = await loginToken(api, ADMIN);
    const product = await createProduct(api, admin, { sku: "RESTART-1", stock: STOCK });
    const hook = await api.post(
      "/api/v1/webhooks",
      { url: receiver.url, events: ["orders.confirmed"] },
      { token: admin },
    );
    if (hook.status !== 201) throw new Error(`the webhook answered ${hook.status}`);
    const shoppers = await startShoppers([api], product.id, options.shoppers ?? 3);

    for (const signal of options.signals) {
      const [min, max] = options.pauseMs;
      await pause(min + Math.floor(Math.random() * (max - min)));
      options.log?.(`${signal}`);
      await node.stop(signal);
      node = startNodeProcess(env);
      await ready(api);
    }
    await pause(1500);
    const { checkouts } = await shoppers.stop();
    const stoppedAt = Date.now();

    await everyOrderSettled(api, admin, 120_000);
    // A backlog is not a loss: wait until every outbox is empty before counting what arrived.
    await waitFor(() => outboxEmpty(metricsPort), 600_000, "every outbox empty");
    const drainedMs = Date.now() - stoppedAt;
    const snap = await snapshot(api, admin, { [product.id]: STOCK });
    const confirmed = snap.orders.filter((o) => o.status === "CONFIRMED").map((o) => o.id);
    const hooked = () =>
      new Set(
        receiver.hits
          .map((h) => JSON.parse(h.body) as { type: string; data: { orderId: string } })
          .filter((m) => m.type === "orders.confirmed")
          .map((m) => m.data.orderId),
      );
    // Given time to arrive; what is missing then is lost.
    await waitFor(
      async () => {
        const seen = await confirmationsSeen(api, admin, shoppers.tokens);
        return (
          seen.told >= confirmed.length &&
          seen.counted >= confirmed.length &&
          hooked().size >= confirmed.length
        );
      },
      60_000,
      "every confirmation told, counted and sent",
    ).catch(() => undefined);
    const seen = await confirmationsSeen(api, admin, shoppers.tokens);
    const deliveries = await api.get(`/api/v1/webhooks/${hook.body.id}/deliveries?pageSize=1`, {
      token: admin,
    });
    return {
      drainedMs,
      violations: invariantViolations(snap),
      confirmed,
      checkouts,
      told: seen.told,
      counted: seen.counted,
      hooked: [...hooked()],
      deliveries: deliveries.body.total,
    };
  } finally {
    await node.stop();
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
