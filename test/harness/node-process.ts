import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

/** What `npm start` runs, after `node`. */
export const RUNNER_ARGS = runnerArgs(ROOT);

/**
 * What `npm start` runs in the checkout at `root`: the runner config at the top, or in app/ for
 * a checkout from the time it lived there (a before/after benchmark).
 */
export function runnerArgs(root: string): string[] {
  const config = existsSync(path.join(root, "moleculer.config.ts"))
    ? "moleculer.config.ts"
    : "app/moleculer.config.ts";
  return [
    "--import",
    "tsx",
    "node_modules/moleculer/bin/moleculer-runner.js",
    "--config",
    config,
    "--mask",
    "**/*.service.ts",
    "services",
  ];
}

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

/**
 * A Bazaar node started the way `npm start` starts one, with its own environment, from this
 * checkout or from the one at `root`.
 */
export function startNodeProcess(env: Record<string, string>, root = ROOT): NodeProcess {
  const child = spawn(process.execPath, root === ROOT ? RUNNER_ARGS : runnerArgs(root), {
    cwd: root,
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

/**
 * A process of the project (`root`: this checkout, or another one for a before/after run), its
 * stderr shown, with only the environment given: what the benchmarks start.
 */
export function startProcess(
  args: string[],
  env: Record<string, string> = {},
  root = ROOT,
): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { PATH: process.env.PATH, ...env },
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** Waits until `url` answers 2xx (30 s at most). */
export function untilAnswered(url: string): Promise<true> {
  return waitFor(async () => (await fetch(url)).ok || undefined, 30_000, `${url} to answer`);
}
