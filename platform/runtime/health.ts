/**
 * The health registry of a node: what a service reports as its dependencies (its store, its
 * Redis) and how a report is made. The mixins and the node's own health server both use it.
 */
import type { Service, ServiceBroker } from "moleculer";

export type HealthCheck = () => Promise<void>;
export type CheckStatus = "up" | "down";
export interface HealthReport {
  status: CheckStatus;
  checks: Record<string, CheckStatus>;
}

export type HealthService = Service & { $healthChecks?: Map<string, HealthCheck> };

/** Up only when every check is up. */
export function healthReport(checks: Record<string, CheckStatus>): HealthReport {
  return { status: Object.values(checks).every((s) => s === "up") ? "up" : "down", checks };
}

/** What any node needs to serve: started and not stopping, and connected to NATS if clustered. */
export function brokerChecks(broker: ServiceBroker): Record<string, CheckStatus> {
  const b = broker as ServiceBroker & { started?: boolean; stopping?: boolean };
  const checks: Record<string, CheckStatus> = { broker: b.started && !b.stopping ? "up" : "down" };
  if (broker.transit) checks.transporter = broker.transit.connected ? "up" : "down";
  return checks;
}

/** Give a service a dependency to report (its store, its Redis) in its `health` action. */
export function addHealthCheck(service: object, name: string, check: HealthCheck): void {
  const self = service as HealthService;
  self.$healthChecks ??= new Map();
  self.$healthChecks.set(name, check);
}

const CHECK_TIMEOUT_MS = 2000;

/** A dependency that is on its way (a list still loading at start-up): down, but no warning. */
export class NotReadyYet extends Error {
  constructor(what: string) {
    super(`${what} not ready yet`);
    this.name = "NotReadyYet";
  }
}

export function withTimeout(check: HealthCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("health check timed out")), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}
