import { createHash } from "node:crypto";
import type { ServiceBroker } from "moleculer";

/**
 * The node that numbers a session's events, the same from every gateway: of the nodes hosting
 * the room's service, the one whose hash with the session ranks first (rendezvous hashing). A
 * node joining or leaving moves only the sessions it wins or held.
 */
export function placeOf(key: string, nodeIds: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = "";
  for (const nodeId of nodeIds) {
    const score = createHash("sha256").update(`${key}\n${nodeId}`).digest("hex");
    if (score > bestScore) [best, bestScore] = [nodeId, score];
  }
  return best;
}

/** The available nodes that host a service, as this node's registry knows them. */
export function nodesHosting(broker: ServiceBroker, service: string): string[] {
  const list = broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as {
    name: string;
    nodeID: string;
  }[];
  return [...new Set(list.filter((s) => s.name === service).map((s) => s.nodeID))].sort();
}
