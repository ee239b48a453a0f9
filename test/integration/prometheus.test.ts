import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { METRIC } from "moleculer";
import { parse } from "yaml";
import { client, createProduct, loginToken, placeOrder, registerBuyer } from "../harness/http";
import { waitFor } from "../harness/node-process";
import { describeWith, freePort } from "../harness/servers";
import { startSystem, type TestSystem } from "../harness/system";

/**
 * A real Prometheus (Debian's package) scrapes a running Bazaar node and loads the alert rules
 * of ops/prometheus; every dashboard query and every alert's signal must evaluate and return
 * data, and every metric they name must be one the node exports.
 */
const ROOT = path.join(__dirname, "..", "..");
const ADMIN = { email: "prom-admin@example.com", password: "prom-admin-password" };

const dashboard = JSON.parse(
  readFileSync(path.join(ROOT, "ops/grafana/dashboards/bazaar.json"), "utf8"),
) as { panels: { title: string; targets: { expr: string }[] }[] };
const alerts = parse(readFileSync(path.join(ROOT, "ops/prometheus/alerts.yml"), "utf8")) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const rules = alerts.groups.flatMap((g) => g.rules);
/** An alert's signal: its expression without the final comparison with a threshold. */
const signal = (expr: string) => expr.trim().replace(/\s+[<>]=?\s+(?!.*\s[<>]=?\s)[\s\S]*$/, "");
const queries = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ name: p.title, expr: t.expr }))),
  ...rules.map((r) => ({ name: r.alert, expr: signal(r.expr) })),
];

describeWith(["prometheus", "promtool"])("Prometheus over a running node", () => {
  let system: TestSystem;
  let prometheus: ChildProcess;
  let promUrl: string;
  let metricsPort: number;
  let dir: string;

  beforeAll(async () => {
    metricsPort = await freePort();
    system = await startSystem({
      METRICS_PORT: String(metricsPort),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      CART_ABANDON_MINUTES: "0.02",
      QUIET_HOURS: "off",
    });
    // Traffic that touches every panel: logins, reads, a confirmed order, an error, and a cart
    // left alone (a reminder decided and sent by engagement's cart journey).
    const api = client(system.baseUrl);
    const admin = await loginToken(api, ADMIN);
    const product = await createProduct(api, admin, { sku: "PROM-1" });
    const buyer = await registerBuyer(api, "prom");
    await placeOrder(api, buyer, product.id);
    await api.get("/api/v1/products/does-not-exist");
    await api.request("PUT", `/api/v1/cart/items/${product.id}`, { quantity: 1 }, { token: buyer });
    await waitFor(
      async () =>
        (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).includes(
          "bazaar_engagement_journey_messages_total",
        ),
      15_000,
      "a reminder sent by its journey",
    );

    dir = mkdtempSync(path.join(tmpdir(), "bazaar-prometheus-"));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      path.join(dir, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        `rule_files: ["${path.join(ROOT, "ops/prometheus/alerts.yml")}"]`,
        "scrape_configs:",
        "  - job_name: bazaar",
        `    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]`,
      ].join("\n"),
    );
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: "ignore" },
    );
    // Three scrapes or more, so that rates have two points.
    await waitFor(
      async () => {
        const res = await fetch(`${promUrl}/api/v1/query?query=count_over_time(up[1m])`);
        const body = (await res.json()) as { data?: { result: { value: [number, string] }[] } };
        return Number(body.data?.result[0]?.value[1] ?? 0) >= 4;
      },
      30_000,
      "four scrapes",
    );
  }, 60_000);

  afterAll(async () => {
    prometheus?.kill();
    await system?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("When promtool checks the alert rules, then they are valid", () => {
    const check = spawnSync("promtool", [
      "check",
      "rules",
      path.join(ROOT, "ops/prometheus/alerts.yml"),
    ]);
    expect({
      status: check.status,
      out: String(check.stdout) + String(check.stderr),
    }).toMatchObject({ status: 0 });
  });

  test("When Prometheus loads the rules, then every alert is there and healthy", async () => {
    const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = body.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert).sort());
    await waitFor(
      async () => {
        const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof body;
        return res.data.groups.flatMap((g) => g.rules).every((r) => r.health === "ok");
      },
      10_000,
      "rules evaluated",
    );
  });

  test("When each dashboard query and alert signal is run, then it evaluates and returns data", async () => {
    const empty: string[] = [];
    for (const { name, expr } of queries) {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: [] } };
      expect({ name, expr, status: body.status, error: body.error }).toEqual({
        name,
        expr,
        status: "success",
        error: undefined,
      });
      if (!body.data?.result.length) empty.push(`${name}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });

  test('When an action had calls but no errors, then the errors panel shows it at 0, not "No data"', async () => {
    const panel = dashboard.panels.find((p) => p.title.startsWith("Errors per action"))!;
    const res = await fetch(
      `${promUrl}/api/v1/query?query=${encodeURIComponent(panel.targets[0].expr)}`,
    );
    const body = (await res.json()) as {
      data: { result: { metric: { action: string }; value: [number, string] }[] };
    };
    const login = body.data.result.find((r) => r.metric.action === "users.login");
    expect(login?.value[1]).toBe("0");
  });

  test("When the queries name metrics, then the node exports each of them", async () => {
    const exported = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const names = new Set(
      queries.flatMap(({ expr }) => expr.match(/\b(?:moleculer|bazaar|process)_[a-z_]+/g) ?? []),
    );
    const missing = [...names].filter(
      (n) => !new RegExp(`^# TYPE ${n.replace(/_(bucket|sum|count)$/, "")} `, "m").test(exported),
    );
    // Moleculer shows this one only once a circuit has opened; its name is Moleculer's own.
    const openCircuits = (
      METRIC as unknown as Record<string, string>
    ).MOLECULER_CIRCUIT_BREAKER_OPENED_ACTIVE.replace(/[.-]/g, "_");
    expect(missing).toEqual([openCircuits]);
  });
});
