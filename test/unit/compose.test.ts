import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ALL_SERVICES, readSettings } from "../../app/settings";

/**
 * No Docker engine runs here, so docker-compose.yml is checked as a file: it parses, every
 * container has an image, its dependencies exist and become healthy, the Bazaar nodes' settings
 * are ones the nodes accept, and together their SERVICES cover every service.
 */
const ROOT = path.join(__dirname, "..", "..");
type ComposeService = {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  healthcheck?: { test: string[]; disable?: boolean };
  command?: string[];
  restart?: string;
  volumes?: string[];
  deploy?: { replicas?: number };
};
const compose = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"), {
  merge: true,
}) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const services = compose.services;
/** The nodes: the image run as a node (the migrate one-shot runs its own command and ends). */
const bazaarNodes = Object.entries(services).filter(
  ([, s]) => s.image === "bazaar:local" && !s.command,
);
// `${VAR:-default}` and `${VAR:?message}` as compose would resolve them with VAR unset, except
// the ones a user must set, which get a stand-in.
const resolved = (env: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1")
        .replace(/\$\{[A-Z_]+:\?[^}]*\}/g, "x".repeat(48)),
    ]),
  );

describe("docker-compose.yml", () => {
  test("When it is read, then the whole stack is there: NATS with JetStream, Redis, both stores, Jaeger, Prometheus, Grafana and Bazaar nodes", () => {
    for (const name of ["nats", "redis", "postgres", "mongo", "jaeger", "prometheus", "grafana"])
      expect(services[name]?.image).toBeTruthy();
    expect(services.nats.image).toMatch(/^nats:/);
    expect(JSON.stringify(services.nats)).toContain('"-js"');
    expect(bazaarNodes.length).toBeGreaterThanOrEqual(4);
  });

  test("When the Bazaar nodes are taken together, then their SERVICES cover every service, and the gateway and stateless roles run more than one replica", () => {
    const hosted = new Set(
      bazaarNodes.flatMap(
        ([, s]) => readSettings({ DATA_DIR: "/tmp", SERVICES: s.environment?.SERVICES }).services,
      ),
    );
    expect([...hosted].sort()).toEqual([...ALL_SERVICES].sort());
    for (const role of ["gateway", "catalog", "orders"])
      expect(services[role].deploy?.replicas ?? 1).toBeGreaterThan(1);
  });

  test("When each Bazaar node's environment is read the way a node reads it, then it is accepted and points at the stack's own servers", () => {
    for (const [name, node] of bazaarNodes) {
      const env = resolved(node.environment ?? {});
      expect(() => readSettings({ ...env, DATA_DIR: "/tmp" })).not.toThrow();
      const hosts = [env.TRANSPORTER, env.REDIS_URL, env.DB_URI].map((u) => new URL(u).hostname);
      for (const host of [...hosts, env.JAEGER_HOST])
        expect({ name, host, known: host in services }).toEqual({ name, host, known: true });
    }
  });

  test("When the stack starts, then PostgreSQL is migrated once by a one-shot service before any node", () => {
    expect(services.migrate).toMatchObject({
      image: "bazaar:local",
      restart: "no",
      command: ["node", "--import", "tsx", "scripts/migrate.ts"],
      depends_on: { postgres: { condition: "service_healthy" } },
    });
    for (const [name, node] of bazaarNodes)
      expect({
        name,
        waits: node.depends_on?.migrate,
        migrates: node.environment?.DB_MIGRATE,
      }).toEqual({
        name,
        waits: { condition: "service_completed_successfully" },
        migrates: "false",
      });
  });

  test("When PostgreSQL is the store, then no node waits for MongoDB, which starts only with its profile", () => {
    for (const [name] of bazaarNodes)
      expect({ name, waitsForMongo: "mongo" in (services[name].depends_on ?? {}) }).toEqual({
        name,
        waitsForMongo: false,
      });
    expect(services.mongo.profiles).toEqual(["mongo"]);
  });

  test("When a container depends on another, then that one exists, and servers are waited for until healthy", () => {
    for (const [name, service] of Object.entries(services))
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, dependency, exists: dependency in services }).toMatchObject({
          exists: true,
        });
        if (services[dependency].healthcheck && !services[dependency].healthcheck.disable)
          expect({ name, dependency, condition }).toMatchObject({
            condition: "service_healthy",
          });
      }
    for (const [name, node] of bazaarNodes) {
      expect(Object.keys(services[name].depends_on ?? {})).toEqual(
        expect.arrayContaining(["nats", "redis", "postgres"]),
      );
      // Each node's health check asks the node itself, on the port it serves its probes on.
      expect(node.healthcheck?.test.join(" ")).toContain(
        `:${node.environment?.HEALTH_PORT}/health/ready`,
      );
    }
  });

  test("When ports and volumes are listed, then no host port is taken twice, and every named volume and mounted file exists", () => {
    const hostPorts = Object.values(services).flatMap((s) =>
      (s.ports ?? []).flatMap((p) => {
        const [from, to = from] = String(p).split(":")[0].split("-").map(Number);
        return Array.from({ length: to - from + 1 }, (_, i) => from + i);
      }),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    for (const service of Object.values(services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0];
        if (source.startsWith(".")) expect(existsSync(path.join(ROOT, source))).toBe(true);
        else expect(compose.volumes).toHaveProperty(source);
      }
  });

  test("When Prometheus is configured, then it scrapes every Bazaar role on its metrics port and loads the alert rules", () => {
    const prometheus = parse(
      readFileSync(path.join(ROOT, "ops/prometheus/prometheus.yml"), "utf8"),
    ) as {
      rule_files: string[];
      scrape_configs: { dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    const sd = prometheus.scrape_configs.flatMap((c) => c.dns_sd_configs);
    expect(sd.flatMap((c) => c.names).sort()).toEqual(bazaarNodes.map(([name]) => name).sort());
    for (const [, node] of bazaarNodes)
      expect(sd.every((c) => String(c.port) === node.environment?.METRICS_PORT)).toBe(true);
    expect(prometheus.rule_files).toEqual(["/etc/prometheus/alerts.yml"]);
  });
});
