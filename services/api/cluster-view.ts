import type { ServiceBroker } from "moleculer";

export interface ClusterView {
  /** `instanceID` changes each time a node with that id starts: a restart is seen as one. */
  nodes: {
    id: string;
    instanceID: string;
    available: boolean;
    local: boolean;
    services: string[];
  }[];
  services: { name: string; instances: number; nodes: string[] }[];
}

type RegistryNode = {
  id: string;
  instanceID: string;
  available: boolean;
  local: boolean;
  services?: { name: string }[];
};

/** Nodes, and each service with the nodes that host it, as this node's registry sees them. */
export function clusterView(broker: ServiceBroker): ClusterView {
  const registry = broker.registry as unknown as {
    getNodeList(opts: { onlyAvailable: boolean; withServices: boolean }): RegistryNode[];
  };
  const nodes = registry.getNodeList({ onlyAvailable: false, withServices: true }).map((node) => ({
    id: node.id,
    instanceID: String(node.instanceID ?? ""),
    available: node.available,
    local: node.local,
    services: (node.services ?? []).map((s) => s.name).filter((name) => !name.startsWith("$")),
  }));
  const hosts = new Map<string, string[]>();
  for (const node of nodes.filter((n) => n.available))
    for (const name of node.services) hosts.set(name, [...(hosts.get(name) ?? []), node.id]);
  const services = [...hosts.entries()]
    .map(([name, ids]) => ({ name, instances: ids.length, nodes: ids }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { nodes, services };
}
