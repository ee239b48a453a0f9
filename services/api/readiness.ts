import type { ServiceBroker } from "moleculer";
import { brokerChecks, healthReport, type HealthReport } from "../../mixins/health.mixin";

const SERVICE_CHECK_TIMEOUT_MS = 2000;

/**
 * Ready means this node can serve: broker started and not stopping, transporter connected,
 * its own dependencies up (the gateway's own `health`), and every service it routes to
 * registered somewhere with its dependencies up.
 */
export async function readiness(
  broker: ServiceBroker,
  ownHealth: () => Promise<HealthReport>,
  requiredServices: string[],
): Promise<HealthReport> {
  const checks = brokerChecks(broker);

  const own = await ownHealth();
  for (const [name, status] of Object.entries(own.checks)) checks[name] = status;

  await Promise.all(
    requiredServices.map(async (service) => {
      const registry = broker.registry as unknown as { hasService(name: string): boolean };
      if (!registry.hasService(service)) {
        checks[`service:${service}`] = "down";
        return;
      }
      try {
        const report = await broker.call<HealthReport, Record<string, never>>(
          `${service}.health`,
          {},
          {
            timeout: SERVICE_CHECK_TIMEOUT_MS,
            retries: 0,
          },
        );
        checks[`service:${service}`] = report.status;
      } catch {
        checks[`service:${service}`] = "down";
      }
    }),
  );
  return healthReport(checks);
}
