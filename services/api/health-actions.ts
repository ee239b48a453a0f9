import type { Context } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import type { CallerMeta } from "../../platform/actions/access";
import {
  boolean,
  integer,
  mapOf,
  number,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";
import { nodeFlags } from "../../mixins/flags-client.mixin";
import { nodePolicies } from "../../mixins/policy-client.mixin";
import { settingsOf } from "../../platform/runtime/settings-of";
import type { HealthReport } from "../../platform/runtime/health";
import type { GatewayThis } from "./gateway-this";
import { packageVersion } from "./published-actions";
import { readiness, routedServiceChecks } from "./readiness";

const HEALTH_SHAPE = object(
  { status: oneOf(["up", "down"]), checks: mapOf(oneOf(["up", "down"])) },
  [],
  "HealthReport",
);
const DETAILS_SHAPE = object(
  {
    status: {
      ...oneOf(["up", "degraded", "down"]),
      description: "degraded: this node serves, but some routed service is down or missing",
    },
    checks: mapOf(oneOf(["up", "down"])),
    version: string,
    node: object(
      {
        id: string,
        profile: object(
          { name: string, rateLimits: number, timeouts: number },
          [],
          "EnvironmentProfile",
        ),
        policies: object({ version: integer, ready: boolean }),
        flags: object({ version: integer }),
      },
      [],
      "NodeDetails",
    ),
  },
  ["node"],
  "HealthDetails",
);
/** What an admin learns of the node that answered: who it is and what it decides with. */
function nodeDetails(gateway: GatewayThis) {
  const { engine } = nodePolicies(gateway.broker);
  return {
    id: gateway.broker.nodeID,
    profile: settingsOf(gateway.broker).profile,
    policies: { version: engine.version, ready: engine.ready },
    flags: { version: nodeFlags(gateway.broker).set.version },
  };
}

/** Liveness, readiness and the routed services' health, for probes and people. */
export const healthActions = {
  live: {
    access: "public",
    openapi: { summary: "Liveness: the process answers", response: HEALTH_SHAPE },
    handler(): HealthReport {
      return { status: "up", checks: {} };
    },
  },
  ready: {
    access: "public",
    openapi: {
      summary: "Readiness: this node can serve (broker, transporter, its stores and Redis)",
      description:
        "503, with the same report, while something it needs is down. At start-up it also waits, at most a minute, for the core services (users, catalog, orders). A service missing after that makes only its own routes answer 503 with `Retry-After`; `GET /health` shows it.",
      response: HEALTH_SHAPE,
      sameBodyOn: [503],
    },
    async handler(this: GatewayThis, ctx: Context<unknown, CallerMeta>) {
      const report = await readiness(
        this.broker,
        () => this.actions.health({}, { parentCtx: ctx }) as Promise<HealthReport>,
        this.coreWait,
      );
      if (report.status !== "up") ctx.meta.$statusCode = 503;
      return report;
    },
  },
  details: {
    access: "public",
    openapi: {
      summary: "Readiness, each routed service, and the version this node runs",
      description:
        "`degraded` (still 200) while a routed service is down or missing: its routes answer 503 until it returns. " +
        "Anonymous, it names no host, process or address: a node's identity is on its own " +
        "health port (HEALTH_PORT) and in GET /api/v1/cluster, for admins. With an admin's token, " +
        "`node` tells this node's id, its environment profile (BAZAAR_PROFILE) and the versions of the policy set and the flags it decides with.",
      response: DETAILS_SHAPE,
      sameBodyOn: [503],
    },
    async handler(this: GatewayThis, ctx: Context<unknown, CallerMeta>) {
      const ready = (await this.actions.ready({}, { parentCtx: ctx })) as HealthReport;
      const services = await routedServiceChecks(this.broker, this.surface.routedServices);
      const checks = { ...ready.checks, ...services };
      const degraded = Object.values(services).some((status) => status !== "up");
      if (ready.status !== "up") ctx.meta.$statusCode = 503;
      const status = ready.status !== "up" ? "down" : degraded ? "degraded" : "up";
      const admin = ctx.meta.user?.roles.includes("admin") === true;
      return {
        status,
        checks,
        version: packageVersion(),
        ...(admin ? { node: nodeDetails(this) } : {}),
      };
    },
  },
} satisfies Actions;
