import type { ServiceSchema } from "moleculer";
import type { Actions } from "../platform/actions/action-properties";
import {
  healthReport,
  NotReadyYet,
  withTimeout,
  type CheckStatus,
  type HealthReport,
  type HealthService,
} from "../platform/runtime/health";

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
            const log = err instanceof NotReadyYet ? this.logger.debug : this.logger.warn;
            log.call(this.logger, `Health check '${name}' failed:`, (err as Error).message);
            checks[name] = "down";
          }
        }
        return healthReport(checks);
      },
    },
  } satisfies Actions,
};
