import { Discoverers } from "moleculer";

/** How late a heartbeat check may run before this node counts itself as having been asleep. */
const LATE_MS = 500;

interface DiscovererInternals {
  opts: { heartbeatTimeout: number };
  registry: {
    nodes: { toArray(): { local: boolean; available: boolean; lastHeartbeatTime?: number }[] };
  };
  logger: { info(...args: unknown[]): void };
}

/**
 * Moleculer's discoverer, except that a node which was itself asleep does not declare the others
 * dead. After a pause of this process (CPU starved, stopped, a long GC), the heartbeat check
 * runs before the heartbeats queued meanwhile are read, finds every remote node silent, and
 * drops them all: every call then fails with 503 until each is discovered again. Measured: a
 * gateway paused 8 s dropped all six nodes and refused reads and checkouts. A check that runs
 * late leaves judgement to the next one, with the heartbeats read by then; a node really gone
 * is seen at once by NATS (fail-fast-nats.ts), so heartbeats are only the backstop for a hung one.
 */
export class StallAwareDiscoverer extends Discoverers.Local {
  private lastCheck = Date.now();

  /** Checks are counted from when the timers start, not from when the broker was configured. */
  override startHeartbeatTimers(): void {
    this.lastCheck = Date.now();
    super.startHeartbeatTimers();
  }

  override checkRemoteNodes(): void {
    const internals = this as unknown as DiscovererInternals;
    const now = Date.now();
    const late = now - this.lastCheck - internals.opts.heartbeatTimeout * 1000;
    this.lastCheck = now;
    if (late <= LATE_MS) return super.checkRemoteNodes();
    const uptime = Math.round(process.uptime());
    for (const node of internals.registry.nodes.toArray())
      if (!node.local && node.available) node.lastHeartbeatTime = uptime;
    internals.logger.info(
      `This node was paused ${Math.round(late)} ms past a heartbeat check: other nodes are judged at the next one`,
    );
  }
}
