/**
 * Does the outbox keep up? The embedded node under sustained checkout at 80 % of the rate it
 * can take (measured first, in the same sitting), while the orders outbox's lag (the age of its
 * oldest unpublished event, `bazaar_outbox_lag_seconds`) is read every half second; then how
 * long after the load stops until nothing waits. Goals: lag under 2 s throughout, drained
 * within 5 s.
 *
 *   npm run bench:outbox                    # 60 s at 80 %, 20 connections
 *   LOAD_SECONDS=30 SHARE=0.8 npm run bench:outbox
 *   DB_URI=postgres://… npm run bench:outbox
 */
import { loadCheckout, okPerSecond, startNodes } from "../test/harness/load";

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const SHARE = Number(process.env.SHARE ?? 0.8);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const METRICS_PORT = 3981;

/** The orders outbox's lag and backlog, as Prometheus would scrape them. */
async function outboxNow(): Promise<{ lag: number; pending: number }> {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    lag: value(/^bazaar_outbox_lag_seconds\{source="orders"\} (\S+)/m),
    pending: value(/^bazaar_outbox_pending (\S+)/m),
  };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];

async function main() {
  const node = await startNodes({
    embedded: {
      PORT: "3971",
      METRICS_PORT: String(METRICS_PORT),
      ...(process.env.DB_URI ? { DB_URI: process.env.DB_URI } : {}),
    },
  });
  try {
    const full = await loadCheckout(node.base, CONNECTIONS, 10_000_000, { duration: 10 });
    const most = okPerSecond(full.result);
    const rate = Math.max(1, Math.floor(most * SHARE));
    console.log(`most: ${Math.round(most)} orders/s; now ${LOAD_SECONDS} s at ${rate} orders/s`);

    const lags: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { lag } = await outboxNow().catch(() => ({ lag: NaN }));
        if (Number.isFinite(lag)) lags.push(lag);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const steady = await loadCheckout(node.base, CONNECTIONS, 10_000_000, {
      duration: LOAD_SECONDS,
      overallRate: rate,
    });
    const stoppedAt = Date.now();
    sampling = false;
    await sampler;
    let drainedMs = NaN;
    for (let waited = 0; waited < 60_000; waited = Date.now() - stoppedAt) {
      const now = await outboxNow();
      if (now.lag === 0 && now.pending === 0) {
        drainedMs = Date.now() - stoppedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(
      `steady: ${Math.round(okPerSecond(steady.result))} orders/s answered; outbox lag ` +
        `p50 ${percentile(lags, 0.5).toFixed(2)} s, p99 ${percentile(lags, 0.99).toFixed(2)} s, ` +
        `max ${Math.max(...lags).toFixed(2)} s over ${lags.length} samples; everything published ` +
        `${(drainedMs / 1000).toFixed(1)} s after the load stopped (the gauge is set every relay pass)`,
    );
  } finally {
    await node.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
