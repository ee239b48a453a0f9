/**
 * Batched event ingestion on the embedded node: POST /api/v1/events with batches of 500
 * (202 at once), beside the bare node:http baseline measured in the same sitting.
 *
 *   npm run bench:ingest                    # 15 s, 20 connections, 500 events a batch
 *   BATCH=100 DURATION=5 npm run bench:ingest
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RUNNER_ARGS } from "../test/harness/node-process";
import { baseline, DURATION, load } from "../test/harness/load";
import { startProcess, untilAnswered } from "../test/harness/node-process";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const BATCH = Number(process.env.BATCH ?? 500);
const ADMIN = { email: "bench@example.com", password: "bench-password-1" };

/** Events counted in the windows of the last hour (the requests still in flight included). */
async function countedEvents(base: string): Promise<number> {
  await new Promise((r) => setTimeout(r, 2000));
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${base}/api/v1/analytics/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { windows } = (await res.json()) as { windows: { counts: Record<string, number> }[] };
  return windows.reduce((n, w) => n + Object.values(w.counts).reduce((a, b) => a + b, 0), 0);
}

async function main() {
  const bare = await baseline(CONNECTIONS);

  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-ingest-"));
  const node = startProcess(RUNNER_ARGS, {
    DATA_DIR: dataDir,
    PORT: "3998",
    METRICS_PORT: "3997",
    LOG_LEVEL: "warn",
    RATE_LIMIT_API: "10000000",
    RATE_LIMIT_AUTH: "100000",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  const base = "http://127.0.0.1:3998";
  try {
    await untilAnswered(`${base}/health/ready`);
    const reg = await fetch(`${base}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ingest@example.com", password: "correct-horse", name: "I" }),
    });
    const { token } = (await reg.json()) as { token: string };
    const batch = Array.from({ length: BATCH }, (_, i) => ({
      type: i % 5 === 0 ? "product_view" : "page_view",
      sessionId: `s${i % 50}`,
      productId: `p${i % 20}`,
    }));
    const result = await load(CONNECTIONS, {
      url: `${base}/api/v1/events`,
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(batch),
    });
    const accepted = (result.requests.total - result.non2xx - result.errors) * BATCH;
    // Every accepted event must be counted: ask the windows (as the node's admin would).
    const counted = await countedEvents(base);
    console.log(`\nwith ${CONNECTIONS} connections for ${DURATION} s each, batches of ${BATCH}`);
    console.log(
      `bare node:http (baseline)   ${Math.round(bare.requests.average)} req/s   p99 ${bare.latency.p99} ms`,
    );
    console.log(
      `POST /api/v1/events         ${Math.round(accepted / DURATION)} events/s (${Math.round(result.requests.average)} batches/s)   p99 ${result.latency.p99} ms   non-2xx ${result.non2xx}`,
    );
    console.log(
      `ratio batches/baseline requests: ${(result.requests.average / bare.requests.average).toFixed(3)}`,
    );
    console.log(
      `events answered 202: ${accepted}, counted in windows: ${counted} (at least as many)`,
    );
  } finally {
    node.kill("SIGTERM");
    await new Promise((r) => node.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
