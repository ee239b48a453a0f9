import type { LoggerInstance, ServiceBroker } from "moleculer";
import { BackgroundLoop } from "../messaging/background-loop";

/**
 * One loop a node for work every service of it wants done once (following an owner's set of
 * policies or flags): the first service to ask starts it, the last to leave stops it.
 */
const loops = new WeakMap<ServiceBroker, Map<string, { loop: BackgroundLoop; users: number }>>();

export function joinNodeLoop(
  broker: ServiceBroker,
  name: string,
  intervalMs: number,
  pass: () => Promise<void>,
  logger: LoggerInstance,
): void {
  let held = loops.get(broker);
  if (!held) loops.set(broker, (held = new Map()));
  const entry = held.get(name);
  if (entry) {
    entry.users++;
    return;
  }
  const loop = new BackgroundLoop(name, intervalMs, pass, logger);
  held.set(name, { loop, users: 1 });
  loop.start();
  loop.wake();
}

export async function leaveNodeLoop(broker: ServiceBroker, name: string): Promise<void> {
  const held = loops.get(broker);
  const entry = held?.get(name);
  if (!entry || --entry.users > 0) return;
  held!.delete(name);
  await entry.loop.stop();
}
