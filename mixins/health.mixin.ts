import type { Service, ServiceSchema } from "moleculer";

export type HealthCheck = () => Promise<void>;
export type CheckStatus = "up" | "down";
export interface HealthReport {
  status: CheckStatus;
  checks: Record<string, CheckStatus>;
}

type HealthService = Service & { $healthChecks?: Map<string, HealthCheck> };

/** Give a service a dependency to report (its store, its Redis) in its `health` action. */
export function addHealthCheck(service: object, name: string, check: HealthCheck): void {
  const self = service as HealthService;
  self.$healthChecks ??= new Map();
  self.$healthChecks.set(name, check);
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: HealthCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("health check timed out")), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * A `health` action on every service, called by the gateway's readiness probe. Failures are
 * logged here with their cause; the report says only up or down, so no host or error text
 * leaves the node.
 */
export const HealthMixin: ServiceSchema = {
  name: "",
  actions: {
    health: {
      visibility: "public",
      cache: false,
      async handler(this: HealthService): Promise<HealthReport> {
        const checks: Record<string, CheckStatus> = {};
        for (const [name, check] of this.$healthChecks ?? []) {
          try {
            await withTimeout(check);
            checks[name] = "up";
          } catch (err) {
            this.logger.warn(`Health check '${name}' failed:`, (err as Error).message);
            checks[name] = "down";
          }
        }
        const status = Object.values(checks).every((s) => s === "up") ? "up" : "down";
        return { status, checks };
      },
    },
  },
};
