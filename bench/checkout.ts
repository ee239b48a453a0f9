/**
 * Checkout throughput of the embedded node: POST /api/v1/orders under load, beside the bare
 * node:http baseline measured in the same sitting.
 *
 *   npm run bench:checkout                  # 15 s, 50 connections
 *   DURATION=5 CONNECTIONS=20 npm run bench:checkout
 *   PROFILE=1 npm run bench:checkout        # also writes a CPU profile of the node
 *   SERVICES=api,users,catalog,cart,orders,payments npm run bench:checkout  # without consumers
 *   DB_URI=postgres://… npm run bench:checkout   # on PostgreSQL (an empty database)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RUNNER_ARGS } from "../test/harness/node-process";
import { ADMIN, baseline, DURATION, line, loadCheckout } from "../test/harness/load";
import { ROOT, startProcess, untilAnswered } from "../test/harness/node-process";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
async function main() {
  const bare = await baseline(CONNECTIONS);

  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-bench-"));
  const port = 3998;
  const profileDir = path.join(dataDir, "profile");
  const node = startProcess(
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
      // DB_URI=postgres://… measures the node on that store instead of NeDB files.
      ...(process.env.DB_URI ? { DB_URI: process.env.DB_URI } : {}),
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    // Readiness needs every routed service; a node with fewer (SERVICES) is live only.
    await untilAnswered(`${base}/health/${process.env.SERVICES ? "live" : "ready"}`);
    const { result: checkout, outcome } = await loadCheckout(base, CONNECTIONS, 10_000_000);
    const { taken, confirmed } = await outcome();

    console.log(
      `\nwith ${CONNECTIONS} connections for ${DURATION} s each, on ${process.platform} ${process.arch}`,
    );
    console.log(line("bare node:http (baseline)", bare));
    console.log(line("POST /api/v1/orders", checkout));
    console.log(
      `ratio checkout/baseline: ${(checkout.requests.average / bare.requests.average).toFixed(3)}`,
    );
    console.log(`stock taken ${taken}, orders CONFIRMED: ${confirmed} (must match)`);
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
