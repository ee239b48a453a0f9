import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

/** What `npm start` runs, after `node`. */
export const RUNNER_ARGS = [
  "--import",
  "tsx",
  "node_modules/moleculer/bin/moleculer-runner.js",
  "--config",
  "app/moleculer.config.ts",
  "--mask",
  "**/*.service.ts",
  "services",
];

/**
 * A script of the project run to its end (`["scripts/seed.ts"]`, or `RUNNER_ARGS.slice(2)` for a
 * node), with only the environment given: its exit status and everything it printed.
 */
export function runToEnd(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: "error", ...env },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, out })));
}

export interface NodeProcess {
  process: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A Bazaar node started the way `npm start` starts one, with its own environment. */
export function startNodeProcess(env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, RUNNER_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: "info", ...env },
    stdio: "pipe",
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return {
    process: child,
    output: () => output,
    stop(signal = "SIGTERM") {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
        setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
      });
    },
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
