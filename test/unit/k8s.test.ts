import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { ALL_SERVICES, readSettings } from "../../app/settings";

/**
 * The k8s/ manifests, checked offline: each object against the Kubernetes schemas, then the
 * references between them (selectors, ports, names, settings) and the hardening each pod needs.
 */
const ROOT = path.join(__dirname, "..", "..");
const K8S = path.join(ROOT, "k8s");
const kustomization = parse(readFileSync(path.join(K8S, "kustomization.yaml"), "utf8")) as {
  resources: string[];
};
const files = [...kustomization.resources, "secret.example.yaml"].map((f) => path.join(K8S, f));

type Labels = Record<string, string>;
type Port = { name?: string; containerPort?: number; port?: number; targetPort?: string | number };
type Probe = { httpGet?: { path: string; port: string | number }; tcpSocket?: { port: string } };
type Container = {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: Port[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: unknown };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
};
type PodSpec = {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
};
type K8sObject = {
  kind: string;
  metadata: { name: string; labels?: Labels };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    selector?: Labels | { matchLabels: Labels };
    podSelector?: { matchLabels?: Labels };
    template?: { metadata: { labels: Labels }; spec: PodSpec };
    ports?: Port[];
    scaleTargetRef?: { kind: string; name: string };
    replicas?: number;
    minReplicas?: number;
    rules?: {
      http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
    }[];
  };
};

const objects: K8sObject[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean),
);
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const workloads = [...ofKind("Deployment"), ...ofKind("StatefulSet")];
const podLabels = workloads.map((w) => w.spec!.template!.metadata.labels);
const matches = (selector: Labels, labels: Labels) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const bazaarNodes = ofKind("Deployment").filter(
  (d) => d.spec!.template!.metadata.labels["app.kubernetes.io/name"] === "bazaar",
);
const container = (w: K8sObject) => w.spec!.template!.spec.containers[0];
const config = ofKind("ConfigMap").find((c) => c.metadata.name === "bazaar-config")!;
const secret = ofKind("Secret").find((s) => s.metadata.name === "bazaar-secrets")!;

describe("k8s/ manifests", () => {
  test("When each object is checked against the Kubernetes schemas, then none is invalid", () => {
    const run = spawnSync(process.execPath, ["test/fixtures/validate-k8s.mjs", ...files], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    const results = JSON.parse(run.stdout) as { kind: string; name: string; error: string }[];
    expect(results.length).toBe(objects.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });

  test("When the Deployments are taken together, then every service is hosted, its count left to its autoscaler (two or more), with settings a node accepts", () => {
    const hosted = bazaarNodes.flatMap(
      (d) =>
        readSettings({
          DATA_DIR: "/tmp",
          SERVICES: container(d).env!.find((e) => e.name === "SERVICES")!.value,
        }).services,
    );
    expect([...hosted].sort()).toEqual([...ALL_SERVICES].sort());
    const env = { ...config.data, ...secret.stringData, DATA_DIR: "/tmp" };
    expect(() => readSettings(env)).not.toThrow();
    for (const d of bazaarNodes) {
      // An HPA owns the count: a replicas field would reset it at every apply.
      expect(d.spec!.replicas).toBeUndefined();
      const hpa = ofKind("HorizontalPodAutoscaler").find(
        (h) => h.spec!.scaleTargetRef!.name === d.metadata.name,
      );
      expect(hpa?.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    }
  });

  test("When a rollout is prepared, then a hardened Job applies PostgreSQL's migrations with the nodes' settings", () => {
    const [job] = ofKind("Job");
    const c = container(job);
    expect(c.command).toEqual(["node", "--import", "tsx", "scripts/migrate.ts"]);
    expect(c.envFrom).toEqual([
      { configMapRef: { name: "bazaar-config" } },
      { secretRef: { name: "bazaar-secrets" } },
    ]);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(job.spec!.template!.spec.securityContext?.runAsNonRoot).toBe(true);
  });

  test("When a pod is described, then it is hardened, bounded, probed on a port it opens, and given time to drain", () => {
    for (const w of workloads) {
      const pod = w.spec!.template!.spec;
      const c = container(w);
      const name = w.metadata.name;
      expect({ name, nonRoot: pod.securityContext?.runAsNonRoot }).toEqual({ name, nonRoot: true });
      expect({ name, sc: c.securityContext }).toEqual({
        name,
        sc: expect.objectContaining({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        }),
      });
      expect({ name, requests: !!c.resources?.requests, limits: !!c.resources?.limits }).toEqual({
        name,
        requests: true,
        limits: true,
      });
      expect(ofKind("ServiceAccount").map((s) => s.metadata.name)).toContain(
        pod.serviceAccountName,
      );
      const portNames = (c.ports ?? []).map((p) => p.name);
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        expect({ name, probe: !!probe }).toEqual({ name, probe: true });
        const port = probe!.httpGet?.port ?? probe!.tcpSocket?.port;
        if (typeof port === "string") expect(portNames).toContain(port);
      }
    }
    for (const d of bazaarNodes) {
      const c = container(d);
      expect(c.startupProbe?.httpGet).toMatchObject({ path: "/health/live", port: "health" });
      expect(c.readinessProbe?.httpGet).toMatchObject({ path: "/health/ready", port: "health" });
      expect(c.ports).toContainEqual({
        name: "health",
        containerPort: Number(config.data!.HEALTH_PORT),
      });
      expect(c.ports).toContainEqual({
        name: "metrics",
        containerPort: Number(config.data!.METRICS_PORT),
      });
      expect(c.lifecycle?.preStop).toBeDefined();
      expect(d.spec!.template!.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(20);
      expect(c.envFrom).toEqual([
        { configMapRef: { name: "bazaar-config" } },
        { secretRef: { name: "bazaar-secrets" } },
      ]);
    }
  });

  test("When Services, the Ingress, budgets and autoscalers name something, then it exists", () => {
    for (const service of ofKind("Service")) {
      const selector = service.spec!.selector as Labels;
      const targets = workloads.filter((w) => matches(selector, w.spec!.template!.metadata.labels));
      expect({ service: service.metadata.name, targets: targets.length > 0 }).toEqual({
        service: service.metadata.name,
        targets: true,
      });
      for (const port of service.spec!.ports ?? [])
        for (const target of targets)
          expect((container(target).ports ?? []).map((p) => p.name)).toContain(port.targetPort);
    }
    for (const rule of ofKind("Ingress").flatMap((i) => i.spec!.rules!))
      for (const { backend } of rule.http.paths) {
        const service = ofKind("Service").find((s) => s.metadata.name === backend.service.name);
        expect(service?.spec!.ports!.map((p) => p.name)).toContain(backend.service.port.name);
      }
    for (const budget of ofKind("PodDisruptionBudget")) {
      const { matchLabels } = budget.spec!.selector as { matchLabels: Labels };
      expect(podLabels.some((labels) => matches(matchLabels, labels))).toBe(true);
    }
    for (const hpa of ofKind("HorizontalPodAutoscaler")) {
      const ref = hpa.spec!.scaleTargetRef!;
      expect(ofKind(ref.kind).map((o) => o.metadata.name)).toContain(ref.name);
    }
    expect(ofKind("HorizontalPodAutoscaler").length).toBe(bazaarNodes.length);
    // One budget a node role, and one each for NATS and Redis.
    const budgets = ofKind("PodDisruptionBudget").map((b) => b.metadata.name);
    expect(budgets.sort()).toEqual(
      [...bazaarNodes.map((d) => d.metadata.name), "nats", "redis"].sort(),
    );
  });

  test("When network policies are read, then all is denied first and each policy selects pods that exist", () => {
    const policies = ofKind("NetworkPolicy");
    expect(policies.find((p) => p.metadata.name === "default-deny")?.spec?.podSelector).toEqual({});
    for (const policy of policies) {
      const selector = policy.spec!.podSelector!.matchLabels ?? {};
      expect(podLabels.some((labels) => matches(selector, labels))).toBe(true);
    }
    // NATS and Redis take connections from Bazaar nodes only.
    for (const name of ["nats", "redis"]) {
      const text = JSON.stringify(policies.find((p) => p.metadata.name === name));
      expect(text).toContain('"app.kubernetes.io/name":"bazaar"');
    }
  });
});
