import autocannon from "autocannon";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, loginToken } from "./http";
import { ROOT, runnerArgs, startProcess, stopProcess, untilAnswered } from "./node-process";
import { cpuMs, rssMb } from "./process-stats";

/**
 * Load for the benchmarks in bench/: autocannon runs, the bare node:http baseline, nodes
 * started as `npm start` starts them, and a checkout under load. Built on the same harness the
 * tests use (node processes, the HTTP client).
 */
export const DURATION = Number(process.env.DURATION ?? 15);

export function load(connections: number, opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon({ duration: DURATION, connections, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    ),
  );
}

/** The limit every figure is a ratio of: bare node:http answering a small JSON body. */
export async function baseline(connections: number): Promise<autocannon.Result> {
  const server = startProcess(["--import", "tsx", "bench/baseline-server.ts", "3999"]);
  try {
    await untilAnswered("http://127.0.0.1:3999/");
    return await load(connections, { url: "http://127.0.0.1:3999/" });
  } finally {
    server.kill();
  }
}

export const ADMIN = { email: "bench@example.com", password: "bench-password-1" };

/** The admin's token, once the node has seeded the admin. */
export async function adminToken(base: string): Promise<string> {
  for (;;) {
    const token = await loginToken(client(base), ADMIN).catch(() => undefined);
    if (token) return token;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Answers with a 2xx status, per second of the run. */
/** 2xx answers a second, over the run's own duration (a run may set its own). */
export function okPerSecond(r: autocannon.Result): number {
  return (r.requests.total - r.non2xx - r.errors) / (r.duration || DURATION);
}

export function line(name: string, r: autocannon.Result): string {
  return `${name.padEnd(34)} ${Math.round(okPerSecond(r))
    .toString()
    .padStart(
      7,
    )} ok/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

export interface BenchNodes {
  /** The REST base URL of the first node (which must set PORT). */
  base: string;
  children: Record<string, ChildProcess>;
  /** Each node's resident memory now, in MB. */
  rss(): Record<string, number>;
  /** CPU time all the nodes have used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Starts node processes (id → its own environment, over `shared`) the way `npm start` does,
 * each with its data dir and metrics port, and waits until the first one is ready.
 */
export async function startNodes(
  nodes: Record<string, Record<string, string>>,
  shared: Record<string, string> = {},
  /** Another checkout of the project whose code the nodes run (a before/after comparison). */
  root = ROOT,
): Promise<BenchNodes> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-"));
  const children: Record<string, ChildProcess> = {};
  let metricsPort = 3980;
  for (const [id, env] of Object.entries(nodes))
    children[id] = startProcess(
      runnerArgs(root),
      {
        NODE_ID: id,
        DATA_DIR: path.join(dataDir, id),
        METRICS_PORT: String(metricsPort++),
        LOG_LEVEL: "warn",
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        JWT_SECRET: "bench-secret-".padEnd(48, "x"),
        RATE_LIMIT_API: "10000000",
        RATE_LIMIT_AUTH: "100000",
        ...shared,
        ...env,
      },
      root,
    );
  const stopAll = async () => {
    await Promise.all(Object.values(children).map(stopProcess));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${Object.values(nodes)[0].PORT}`;
  await untilAnswered(`${base}/health/ready`).catch(async (err) => {
    await stopAll();
    throw err;
  });
  return {
    base,
    children,
    rss: () => Object.fromEntries(Object.entries(children).map(([id, c]) => [id, rssMb(c.pid!)])),
    cpuMs: () => Object.values(children).reduce((sum, child) => sum + cpuMs(child.pid!), 0),
    stop: stopAll,
  };
}

let checkoutRuns = 0;

/**
 * One customer orders one unit of one product (with `stock` units) per request, on every
 * connection, for the whole run. `outcome()` then says how much stock was taken and how many
 * orders were CONFIRMED: the two must be equal.
 */
export async function loadCheckout(
  base: string,
  connections: number,
  stock: number,
  /** More autocannon options: a fixed `overallRate`, another `duration`. */
  more: Partial<autocannon.Options> = {},
) {
  const admin = await adminToken(base);
  const run = ++checkoutRuns;
  const api = client(base);
  const product = (
    await api.post(
      "/api/v1/products",
      { sku: `CHECKOUT-${run}`, name: "Checkout", price: 999, category: "bench", stock },
      { token: admin },
    )
  ).body as { id: string };
  const buyer = (
    await api.post("/api/v1/auth/register", {
      email: `buyer-${run}@example.com`,
      password: "correct-horse",
      name: "B",
    })
  ).body.token as string;
  const result = await load(connections, {
    url: `${base}/api/v1/orders`,
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${buyer}` },
    body: JSON.stringify({
      items: [{ productId: product.id, quantity: 1 }],
      shippingAddress: { name: "B", line1: "1 Rd", city: "Town", postalCode: "1", country: "DE" },
      payment: { token: "tok_visa" },
    }),
    ...more,
  });
  return { result, outcome: () => checkoutOutcome(base, admin, product.id, stock) };
}

async function checkoutOutcome(base: string, admin: string, productId: string, stock: number) {
  // Requests still in flight when the load stopped finish on the server: let them settle.
  await new Promise((r) => setTimeout(r, 3000));
  const product = (await (await fetch(`${base}/api/v1/products/${productId}`)).json()) as {
    stock: number;
  };
  const listed = await fetch(`${base}/api/v1/orders?status=CONFIRMED&pageSize=1`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const confirmed = ((await listed.json()) as { total: number }).total;
  return { taken: stock - product.stock, confirmed };
}
