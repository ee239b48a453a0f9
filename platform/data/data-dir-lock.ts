import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { StartupError } from "../runtime/startup-error";

/**
 * One process at a time owns an embedded data directory. Two processes writing the same files
 * lose each other's writes silently (`npm run seed` beside `npm start` printed success and its
 * products were gone). The lock is a file holding the owner's pid; a lock whose process is gone
 * (a SIGKILL) is taken over.
 */
export class DataDirInUseError extends StartupError {
  constructor(dir: string, pid: number) {
    super(
      `The data directory ${dir} is in use by another Bazaar process (pid ${pid}). ` +
        "Stop it first, or run both as nodes of a cluster (TRANSPORTER, DB_URI; see the README).",
    );
    this.name = "DataDirInUseError";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const lockFile = (dir: string) => path.join(dir, ".bazaar.lock");

/** The pid of another live process that holds this directory, or null. */
export function dataDirOwner(dir: string): number | null {
  let owner: number;
  try {
    owner = Number(readFileSync(lockFile(dir), "utf8").trim());
  } catch {
    return null;
  }
  return Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)
    ? owner
    : null;
}

/** Refuses at once, with the reason, when another live process holds this directory. */
export function assertDataDirFree(dir: string): void {
  const owner = dataDirOwner(dir);
  if (owner !== null) throw new DataDirInUseError(dir, owner);
}

export function lockDataDir(dir: string): () => void {
  const file = lockFile(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(file, "utf8").trim());
      if (owner === process.pid) return () => undefined;
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner))
        throw new DataDirInUseError(dir, owner);
      rmSync(file, { force: true });
    }
  }
  throw new DataDirInUseError(dir, NaN);
}
