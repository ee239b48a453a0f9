import { createServer, type Server } from "node:http";
import type { Middleware, ServiceBroker } from "moleculer";
import { brokerChecks, healthReport, type HealthReport } from "../../mixins/health.mixin";

/**
 * Liveness and readiness of this node, whatever it hosts, on `HEALTH_PORT` (for Kubernetes
 * probes and container health checks; the gateway's `/health` routes speak for the cluster).
 *   GET /health/live   200 while the process runs its event loop
 *   GET /health/ready  200 once started, not stopping, connected to NATS (if any), and every
 *                      local service's own dependencies are up; 503 otherwise
 * The body says only up or down, never why.
 */
export async function nodeReadiness(broker: ServiceBroker): Promise<HealthReport> {
  const checks = brokerChecks(broker);
  for (const service of broker.services) {
    if (!service.schema.actions?.health || service.name.startsWith("$")) continue;
    const report = await broker
      .call<HealthReport, Record<string, never>>(
        `${service.name}.health`,
        {},
        {
          nodeID: broker.nodeID,
          timeout: 3000,
        },
      )
      .catch((): HealthReport => healthReport({ call: "down" }));
    checks[`service:${service.name}`] = report.status;
  }
  return healthReport(checks);
}

export function NodeHealthMiddleware(port: number | undefined): Middleware {
  let server: Server | undefined;
  return {
    name: "NodeHealth",
    started(broker: ServiceBroker) {
      if (port === undefined) return;
      server = createServer((req, res) => {
        const answer = (code: number, body: unknown) => {
          res.writeHead(code, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (req.url === "/health/live") return answer(200, { status: "up" });
        if (req.url !== "/health/ready") return answer(404, { status: "not found" });
        nodeReadiness(broker).then(
          (report) => answer(report.status === "up" ? 200 : 503, report),
          () => answer(503, { status: "down" }),
        );
      });
      return new Promise<void>((resolve) => server!.listen(port, resolve));
    },
    stopped() {
      return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  } as unknown as Middleware;
}
