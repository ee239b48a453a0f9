import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";

export interface EngineLimits {
  timeoutMs: number;
  memoryMb: number;
  /** Where the engines are, when not on the PATH. */
  dir?: string;
}

export class EngineFailed extends Error {
  constructor(
    readonly engine: string,
    readonly reason: "timeout" | "exit" | "missing",
    readonly stderr = "",
  ) {
    super(`${engine} ${reason}`);
  }
}

/** The programs the speech service runs, all from Debian's packages. */
export const ENGINES = {
  synthesis: "flite",
  recognition: "pocketsphinx_continuous",
  conversion: "sox",
  probe: "soxi",
  limits: "prlimit",
} as const;

/** Which engines this node lacks: the service answers 503 for what needs them. */
export async function missingEngines(dir?: string): Promise<string[]> {
  const dirs = dir ? [dir] : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const missing: string[] = [];
  for (const engine of Object.values(ENGINES)) {
    let found = false;
    for (const dir of dirs)
      found ||= await access(path.join(dir, engine), constants.X_OK).then(
        () => true,
        () => false,
      );
    if (!found) missing.push(engine);
  }
  return missing;
}

const MAX_OUTPUT = 1024 * 1024;

/**
 * Runs an engine with its arguments as a list (never a shell, so no text is ever a command),
 * under `prlimit` for its address space, stopped at its deadline.
 */
export function runEngine(
  engine: string,
  args: string[],
  limits: EngineLimits,
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const at = (name: string) => (limits.dir ? path.join(limits.dir, name) : name);
    const child = spawn(
      at(ENGINES.limits),
      [`--as=${limits.memoryMb * 1024 * 1024}`, "--", at(engine), ...args],
      {
        cwd,
        shell: false,
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString("utf8");
    });
    const deadline = setTimeout(() => child.kill("SIGKILL"), limits.timeoutMs);
    child.on("error", () => {
      clearTimeout(deadline);
      reject(new EngineFailed(engine, "missing"));
    });
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      if (signal === "SIGKILL") reject(new EngineFailed(engine, "timeout", stderr));
      else if (code !== 0) reject(new EngineFailed(engine, "exit", stderr));
      else resolve({ stdout, stderr });
    });
  });
}
