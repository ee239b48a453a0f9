const { mkdtempSync } = require("node:fs");
const { spawnSync } = require("node:child_process");
const { tmpdir } = require("node:os");
const path = require("node:path");

const has = (name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

/**
 * Once, before any suite: every temp directory a test or a node it starts makes goes under one
 * directory of this run (TMPDIR, which workers and child processes inherit), removed in the
 * teardown whatever a test forgot; and the run says, at its start, which suites it skips and why.
 */
module.exports = async function globalSetup() {
  const runDir = mkdtempSync(path.join(tmpdir(), "bazaar-test-run-"));
  process.env.BAZAAR_TEST_RUN_DIR = runDir;
  process.env.TMPDIR = runDir;

  const skipped = [];
  const dbUri = process.env.DB_URI ?? "";
  if (!dbUri.startsWith("mongodb"))
    skipped.push("the repository contract on MongoDB: no mongodb:// DB_URI given");
  const servers = ["nats-server", "redis-server", "prometheus", "promtool", "chromium"];
  const missing = servers.filter((name) => !has(name));
  if (missing.length)
    skipped.push(`suites needing ${missing.join(", ")}: run scripts/install-servers.sh`);
  const pgUrl = new URL(process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
  const pg = spawnSync("pg_isready", ["-h", pgUrl.hostname, "-p", pgUrl.port || "5432", "-t", "3"]);
  if (pg.status !== 0) skipped.push(`PostgreSQL suites: nothing answers at ${pgUrl.host}`);
  const line = skipped.length
    ? `\n*** Skipped in this run:\n${skipped.map((s) => `***   - ${s}`).join("\n")}\n`
    : "\n*** Every suite runs: no store or server is missing.\n";
  process.stdout.write(line + "\n");
};
