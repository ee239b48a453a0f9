/**
 * Checkout throughput of the embedded node: POST /api/v1/orders under load, beside the bare
 * node:http baseline measured in the same sitting.
 *
 *   npm run bench:checkout                  # 15 s, 50 connections
 *   DURATION=5 CONNECTIONS=20 npm run bench:checkout
 *   PROFILE=1 npm run bench:checkout        # also writes a CPU profile of the node
 *   SERVICES=api,users,catalog,cart,orders,payments npm run bench:checkout  # without consumers
 */
import type autocannon from "autocannon";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RUNNER_ARGS } from "../test/harness/node-process";
import { baseline, DURATION, load, ROOT, start, until } from "./harness";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const ADMIN = { email: "bench@example.com", password: "bench-password-1" };

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return res.json() as Promise<{ token: string; id: string }>;
}

function line(name: string, r: autocannon.Result): string {
  const ok = r.requests.total - r.non2xx - r.errors;
  return `${name.padEnd(28)} ${Math.round(ok / DURATION)
    .toString()
    .padStart(
      7,
    )} ok/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

async function main() {
  const bare = await baseline(CONNECTIONS);

  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-"));
  const port = 3998;
  const profileDir = path.join(dataDir, "profile");
  const node = start(
    [...(process.env.PROFILE ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []), ...RUNNER_ARGS],
    {
      DATA_DIR: dataDir,
      PORT: String(port),
      METRICS_PORT: "3997",
      LOG_LEVEL: "warn",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_API: "10000000",
      RATE_LIMIT_AUTH: "100000",
      // SERVICES=… measures a node without some services (the consumers, say).
      ...(process.env.SERVICES ? { SERVICES: process.env.SERVICES } : {}),
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    // Readiness needs every routed service; a node with fewer (SERVICES) is live only.
    await until(`${base}/health/${process.env.SERVICES ? "live" : "ready"}`);
    let admin: string | undefined;
    while (!admin) {
      admin = (await post(`${base}/api/v1/auth/login`, ADMIN)).token;
      if (!admin) await new Promise((r) => setTimeout(r, 200));
    }
    const product = await post(
      `${base}/api/v1/products`,
      { sku: "BENCH-1", name: "Bench", price: 999, category: "bench", stock: 10_000_000 },
      admin,
    );
    const buyer = (
      await post(`${base}/api/v1/auth/register`, {
        email: "buyer@example.com",
        password: "correct-horse",
        name: "B",
      })
    ).token;
    const order = {
      items: [{ productId: product.id, quantity: 1 }],
      shippingAddress: { name: "B", line1: "1 Road", city: "Town", postalCode: "1", country: "DE" },
      payment: { token: "tok_visa" },
    };
    const checkout = await load(CONNECTIONS, {
      url: `${base}/api/v1/orders`,
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${buyer}` },
      body: JSON.stringify(order),
    });
    // Requests still in flight when the load stopped finish on the server: let them settle.
    await new Promise((r) => setTimeout(r, 2000));
    const read = (await (await fetch(`${base}/api/v1/products/${product.id}`)).json()) as {
      stock: number;
    };
    const stock = read.stock;
    const listed = await fetch(`${base}/api/v1/orders?status=CONFIRMED&pageSize=1`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const confirmed = ((await listed.json()) as { total: number }).total;

    console.log(
      `\nwith ${CONNECTIONS} connections for ${DURATION} s each, on ${process.platform} ${process.arch}`,
    );
    console.log(line("bare node:http (baseline)", bare));
    console.log(line("POST /api/v1/orders", checkout));
    console.log(
      `ratio checkout/baseline: ${(checkout.requests.average / bare.requests.average).toFixed(3)}`,
    );
    console.log(`stock taken ${10_000_000 - stock}, orders CONFIRMED: ${confirmed} (must match)`);
  } finally {
    node.kill("SIGTERM");
    await new Promise((r) => node.once("exit", r));
    if (process.env.PROFILE) {
      const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file) summarizeProfile(path.join(profileDir, file));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Self time by package or project folder, from a V8 CPU profile. */
function summarizeProfile(file: string) {
  type Node = { id: number; callFrame: { url: string; functionName: string }; hitCount?: number };
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[] };
  const byPlace = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const url = n.callFrame.url;
    const place = url.includes("node_modules/")
      ? url
          .split("node_modules/")[1]
          .split("/")
          .slice(0, url.includes("node_modules/@") ? 2 : 1)
          .join("/")
      : url.startsWith("node:")
        ? url
        : url.includes(ROOT)
          ? path.relative(ROOT, url.replace("file://", "")).split("/").slice(0, 2).join("/")
          : n.callFrame.functionName || "(native)";
    byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
  }
  console.log("\nwhere the node's CPU time went (self time):");
  for (const [place, hits] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${((100 * hits) / total).toFixed(1).padStart(5)} %  ${place}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
