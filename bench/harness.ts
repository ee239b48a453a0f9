import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.join(__dirname, "..");
export const DURATION = Number(process.env.DURATION ?? 15);

/** A process of the project (its stderr shown), with only the environment given. */
export function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { PATH: process.env.PATH, ...env },
  });
}

export async function until(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

export function load(connections: number, opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon({ duration: DURATION, connections, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    ),
  );
}

/** The limit every figure is a ratio of: bare node:http answering a small JSON body. */
export async function baseline(connections: number): Promise<autocannon.Result> {
  const server = start(["--import", "tsx", "bench/baseline-server.ts", "3999"]);
  try {
    await until("http://127.0.0.1:3999/");
    return await load(connections, { url: "http://127.0.0.1:3999/" });
  } finally {
    server.kill();
  }
}
