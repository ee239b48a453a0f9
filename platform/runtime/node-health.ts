import type { ServiceBroker } from "moleculer";
import { brokerChecks, healthReport, type HealthReport } from "./health";

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
