import path from "node:path";
import { ROOT, startProcess, stopProcess, untilAnswered } from "../test/harness/node-process";
import { cpuMs, rssMb } from "../test/harness/process-stats";

/**
 * A peer of bench/peers/ (the small servers the performance goals are stated against), run as
 * its own process so its CPU time can be read as Bazaar's nodes' is.
 */
export interface Peer {
  base: string;
  cpuMs(): number;
  rss(): number;
  stop(): Promise<void>;
}

export async function startPeer(
  file: string,
  port: number,
  env: Record<string, string> = {},
): Promise<Peer> {
  const child = startProcess([path.join(ROOT, "bench", "peers", file)], {
    PORT: String(port),
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await untilAnswered(`${base}/health/ready`);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    base,
    cpuMs: () => cpuMs(child.pid!),
    rss: () => rssMb(child.pid!),
    stop: () => stopProcess(child),
  };
}
