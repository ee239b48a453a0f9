import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { servicesNamed } from "../../app/settings";
import { client, type Client } from "./http";
import { startNodeProcess, waitFor, type NodeProcess } from "./node-process";
import { createDatabase, postgresAvailable, type TestDatabase } from "./postgres";
import { describeWith, freePort, startNats, startRedis, type RunningServer } from "./servers";

export interface NodeSpec {
  id: string;
  services: string;
  /** Settings of this node alone, over the cluster's. */
  env?: Record<string, string>;
}

export interface ClusterNode extends NodeSpec {
  process: NodeProcess;
  metricsPort: number;
  /** The node's REST base URL, when it hosts the gateway. */
  url?: string;
}

export interface Cluster {
  nats: RunningServer;
  redis: RunningServer;
  database: TestDatabase;
  nodes: Map<string, ClusterNode>;
  gateways: Client[];
  addNode(spec: NodeSpec): Promise<ClusterNode>;
  metricsOf(id: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A cluster suite: it needs PostgreSQL, nats-server and redis-server (skipped loudly without
 * them, a failure under CI). A function, as the bench scripts import this module outside jest.
 */
export function describeCluster(name: string, suite: () => void): void {
  const describeIt = postgresAvailable()
    ? describeWith(["nats-server", "redis-server"])
    : describe.skip;
  describeIt(name, suite);
}

export const ADMIN = { email: "cluster-admin@example.com", password: "cluster-admin-1" };

/** A node's `SERVICES` with its groups named service by service, as tests compare them. */
export const hosting = (entries: string) => servicesNamed(entries).join(",");

/**
 * A shop's cluster: two gateways, two catalog and two orders nodes, one of each other role. By
 * the layouts' groups (a new service joins its group's nodes), except that the saga's nodes host
 * the orders service alone, so killing one kills no payment in flight.
 */
export const SHOP_NODES: NodeSpec[] = [
  { id: "gateway-1", services: hosting("@gateway") },
  { id: "gateway-2", services: hosting("@gateway") },
  { id: "catalog-1", services: hosting("@catalog") },
  { id: "catalog-2", services: hosting("@catalog") },
  { id: "orders-1", services: "orders" },
  { id: "orders-2", services: "orders" },
  { id: "core-1", services: hosting("@core,payments") },
  { id: "consumers-1", services: hosting("@consumers") },
];

/** The cluster of architecture §2 on one machine: real NATS, Redis and PostgreSQL, one process a node. */
export async function startCluster(
  specs: NodeSpec[],
  env: Record<string, string> = {},
): Promise<Cluster> {
  const nats: RunningServer = await startNats();
  const redis: RunningServer = await startRedis();
  const database = await createDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-cluster-"));
  const nodes = new Map<string, ClusterNode>();
  const shared = {
    TRANSPORTER: nats.url,
    REDIS_URL: redis.url,
    DB_URI: database.uri,
    JWT_SECRET: "cluster-test-secret-".padEnd(48, "x"),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: "warn",
    ...env,
  };

  async function addNode(spec: NodeSpec): Promise<ClusterNode> {
    const metricsPort = await freePort();
    const port = spec.services.split(",").includes("api") ? await freePort() : undefined;
    const process = startNodeProcess({
      ...shared,
      NODE_ID: spec.id,
      SERVICES: spec.services,
      METRICS_PORT: String(metricsPort),
      DATA_DIR: path.join(dataDir, spec.id),
      ...spec.env,
      ...(port ? { PORT: String(port) } : {}),
    });
    const node = {
      ...spec,
      process,
      metricsPort,
      url: port ? `http://127.0.0.1:${port}` : undefined,
    };
    nodes.set(spec.id, node);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok,
      60_000,
      `node ${spec.id}`,
    ).catch((err) => {
      throw new Error(`${err.message}\n${process.output()}`);
    });
    return node;
  }

  // Nodes start side by side: on two cores, one at a time would take a minute.
  async function stop() {
    await Promise.all([...nodes.values()].map((n) => n.process.stop()));
    await Promise.all([nats.stop(), redis.stop()]);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const gateways: Client[] = [];
  try {
    await Promise.all(specs.map(addNode));
    gateways.push(...[...nodes.values()].filter((n) => n.url).map((n) => client(n.url!)));
    for (const gateway of gateways) {
      let last: unknown;
      await waitFor(
        async () => {
          last = (await gateway.get("/health")).body;
          return (last as { status?: string } | undefined)?.status === "up";
        },
        60_000,
        "readiness",
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the gateway said ${JSON.stringify(last)}`);
      });
    }
  } catch (err) {
    // A cluster that never became ready leaves no node behind to hold ports for the next suite.
    await stop();
    throw err;
  }

  return {
    nats,
    redis,
    database,
    nodes,
    gateways,
    addNode,
    async metricsOf(id: string) {
      return (await fetch(`http://127.0.0.1:${nodes.get(id)!.metricsPort}/metrics`)).text();
    },
    stop,
  };
}

/** How many calls of an action a node has handled, from its Prometheus metrics. */
export function handledCalls(metrics: string, action: string): number {
  return metrics
    .split("\n")
    .filter((l) => l.startsWith("moleculer_request_total{") && l.includes(`action="${action}"`))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}

/**
 * What a load balancer or a Kubernetes Service does in front of the gateways: it sends each
 * request to a gateway whose readiness answered 200 at the last probe (every 100 ms), round robin.
 */
export function frontDoor(cluster: Cluster): Client & { close(): void } {
  const ready = new Map<string, boolean>();
  const gatewayUrls = () => [...cluster.nodes.values()].flatMap((n) => (n.url ? [n.url] : []));
  const probe = setInterval(() => {
    for (const url of gatewayUrls())
      fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) })
        .then((res) => ready.set(url, res.ok))
        .catch(() => ready.set(url, false));
  }, 100);
  let turn = 0;
  // With no gateway ready, a load balancer holds the request a little rather than refuse it.
  const pick = async () => {
    for (let waited = 0; ; waited += 100) {
      const up = gatewayUrls().filter((url) => ready.get(url));
      if (up.length) return up[turn++ % up.length];
      if (waited >= 5000) throw new Error("no gateway is ready");
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { ...client(pick), close: () => clearInterval(probe) };
}

const alive = (node: ClusterNode) =>
  node.process.process.exitCode === null && node.process.process.signalCode === null;

/** The REST addresses of the gateways running now. */
export function liveGateways(cluster: Cluster): string[] {
  return [...cluster.nodes.values()].filter((n) => n.url && alive(n)).map((n) => n.url!);
}

/** SIGKILLs one of `among` that is running, at random, and starts it again after `restartAfterMs`. */
export async function killOneAndRestart(
  cluster: Cluster,
  among: NodeSpec[],
  restartAfterMs: number,
): Promise<string> {
  const running = among.filter((spec) => alive(cluster.nodes.get(spec.id)!));
  const victim = running[Math.floor(Math.random() * running.length)];
  await cluster.nodes.get(victim.id)!.process.stop("SIGKILL");
  await new Promise((r) => setTimeout(r, restartAfterMs));
  await cluster.addNode(victim);
  return victim.id;
}
let generation = 0;

/** Waits until every running gateway lists the node as available. */
async function knownEverywhere(cluster: Cluster, id: string, admin: string): Promise<void> {
  const gateways = [...cluster.nodes.values()].filter((n) => n.url && alive(n));
  await waitFor(
    async () => {
      for (const gateway of gateways) {
        const view = (await client(gateway.url!).get("/api/v1/cluster", { token: admin })).body;
        const nodes: { id: string; available: boolean }[] = view.nodes ?? [];
        if (!nodes.some((n) => n.id === id && n.available)) return false;
      }
      return true;
    },
    30_000,
    `${id} known`,
  );
}

/**
 * A rolling restart the way a Kubernetes Deployment rolls one: for each running node, its
 * replacement first (ready, and known to every gateway), then SIGTERM to the old node.
 */
export async function rollingRestart(cluster: Cluster, admin: string): Promise<void> {
  generation++;
  for (const old of [...cluster.nodes.values()].filter(alive)) {
    const id = `${old.id.replace(/~\d+$/, "")}~${generation}`;
    const replacement = await cluster.addNode({ id, services: old.services });
    if (replacement.url)
      await waitFor(
        async () => (await client(replacement.url!).get("/health")).body?.status === "up",
        30_000,
        `${id} ready`,
      );
    await knownEverywhere(cluster, id, admin);
    await old.process.stop("SIGTERM");
  }
}
