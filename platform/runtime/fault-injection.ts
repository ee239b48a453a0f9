import type { LoggerInstance, ServiceBroker } from "moleculer";
import { settingsOf } from "./settings-of";

/**
 * Test-only crash points (`FAULT_INJECTION`, refused in production): at a point it names, the node
 * dies as a SIGKILL would leave it, so a test can prove a step survives a crash right after it.
 * One hook for every service that declares points.
 */
export function faultHook(broker: ServiceBroker, logger: LoggerInstance): (point: string) => void {
  const points = settingsOf(broker).faultInjection;
  return (point) => {
    if (!points.includes(point)) return;
    logger.warn(`FAULT_INJECTION: dying at ${point}`);
    process.kill(process.pid, "SIGKILL");
  };
}
