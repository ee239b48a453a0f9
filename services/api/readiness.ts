import type { ServiceBroker } from "moleculer";
import { brokerChecks, healthReport, type HealthReport } from "../../platform/runtime/health";

const SERVICE_CHECK_TIMEOUT_MS = 2000;

/** Without these a gateway has nothing to sell: it waits for them, a bounded while, at start. */
export const CORE_SERVICES = ["users", "catalog", "orders"] as const;
/** Past this, a gateway whose core services never came is ready anyway: their routes say 503. */
export const CORE_WAIT_MS = 60_000;

/** Whether the start-up wait for the core services is over: they all came, or time ran out. */
export interface CoreWait {
  deadline: number;
  over: boolean;
}

export const coreWaitFrom = (now: number): CoreWait => ({
  deadline: now + CORE_WAIT_MS,
  over: false,
});

const hasService = (broker: ServiceBroker, name: string) =>
  (broker.registry as unknown as { hasService(name: string): boolean }).hasService(name);

/**
 * Ready means this node can serve: broker started and not stopping, transporter connected, its
 * own dependencies up (the gateway's own `health`), and, until they have been seen once, the
 * core services. A service missing later degrades only its own routes (503 with Retry-After),
 * never the whole gateway: one engagement node down must not take the shop offline. Nothing
 * here calls another node, so a probe costs nothing elsewhere.
 */
export async function readiness(
  broker: ServiceBroker,
  ownHealth: () => Promise<HealthReport>,
  coreWait: CoreWait,
  now = Date.now(),
): Promise<HealthReport> {
  const checks = brokerChecks(broker);
  const own = await ownHealth();
  for (const [name, status] of Object.entries(own.checks)) checks[name] = status;
  if (!coreWait.over) {
    const missing = CORE_SERVICES.filter((service) => !hasService(broker, service));
    if (missing.length === 0 || now >= coreWait.deadline) coreWait.over = true;
    else for (const service of missing) checks[`service:${service}`] = "down";
  }
  return healthReport(checks);
}

/**
 * Each routed service, as its own `health` answers (down when no node hosts it): what
 * `GET /health` shows as degraded. Asked only there, never by a readiness probe.
 */
export async function routedServiceChecks(
  broker: ServiceBroker,
  services: string[],
): Promise<Record<string, "up" | "down">> {
  const checks: Record<string, "up" | "down"> = {};
  await Promise.all(
    services.map(async (service) => {
      if (!hasService(broker, service)) {
        checks[`service:${service}`] = "down";
        return;
      }
      try {
        const report = await broker.call<HealthReport, Record<string, never>>(
          `${service}.health`,
          {},
          { timeout: SERVICE_CHECK_TIMEOUT_MS, retries: 0 },
        );
        checks[`service:${service}`] = report.status;
      } catch {
        checks[`service:${service}`] = "down";
      }
    }),
  );
  return checks;
}
