import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, type Client } from "./http";
import { startNodeProcess, waitFor, type NodeProcess } from "./node-process";
import { createDatabase, type TestDatabase } from "./postgres";
import { freePort, startNats, startRedis, type RunningServer } from "./servers";

export interface NodeSpec {
  id: string;
  services: string;
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

export const ADMIN = { email: "cluster-admin@example.com", password: "cluster-admin-1" };

/** The cluster of DESIGN §2 on one machine: real NATS, Redis and PostgreSQL, one process a node. */
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
  await Promise.all(specs.map(addNode));
  const gateways = [...nodes.values()].filter((n) => n.url).map((n) => client(n.url!));
  for (const gateway of gateways)
    await waitFor(
      async () => (await gateway.get("/health/ready")).status === 200,
      60_000,
      "readiness",
    );

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
    async stop() {
      await Promise.all([...nodes.values()].map((n) => n.process.stop()));
      await Promise.all([nats.stop(), redis.stop()]);
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** How many calls of an action a node has handled, from its Prometheus metrics. */
export function handledCalls(metrics: string, action: string): number {
  return metrics
    .split("\n")
    .filter((l) => l.startsWith("moleculer_request_total{") && l.includes(`action="${action}"`))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}
