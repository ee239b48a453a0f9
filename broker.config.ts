import { isEndpointFault } from "./platform/actions/errors";
import { ClientErrorRegenerator } from "./platform/actions/error-regenerator";
import { SERVICE_MODULES } from "./app/services";
import { ActionPropertiesMiddleware } from "./platform/middlewares/action-properties";
import type { BrokerOptions, MetricRegistryOptions, ServiceBroker } from "moleculer";
import { DurableChannelsMiddleware } from "./platform/middlewares/channels";
import { Channel } from "./contracts/channels";
import { SHOP_METRICS } from "./contracts/metrics";
import { FailFastNatsTransporter } from "./platform/runtime/fail-fast-nats";
import { StallAwareDiscoverer } from "./platform/runtime/stall-aware-discoverer";
import { RerouteUndeliveredMiddleware } from "./platform/middlewares/reroute-undelivered";
import { installLeanObservability } from "./platform/observability/lean-observability";
import { loggerConfig } from "./platform/observability/logging";
import { actionTraceTags } from "./platform/observability/trace-tags";
import { MetricsMiddleware } from "./platform/middlewares/metrics";
import { NodeHealthMiddleware } from "./platform/middlewares/node-health";
import { PrometheusReporter } from "./platform/runtime/port-in-use";
import { REPL_COMMANDS } from "./app/repl-commands";
import { RequestContextMiddleware } from "./platform/middlewares/request-context";
import { ResilientRedisCacher } from "./platform/runtime/resilient-cacher";
import { readSettings, type Settings } from "./app/settings";
import { hardenedValidator } from "./platform/actions/validator";

type Env = Record<string, string | undefined>;

/**
 * Moleculer's process metrics that describe the machine rather than the service: the OS user,
 * home directory, host name, IP and MAC addresses, process arguments and ids. No dashboard reads
 * them, and a scraper should not learn them.
 */
export const PRIVATE_METRICS = [
  "os.user.*",
  "os.network.*",
  "os.hostname",
  "os.datetime.*",
  "os.type",
  "os.release",
  "os.arch",
  "os.platform",
  "os.cpu.info.*",
  "process.arguments",
  "process.pid",
  "process.ppid",
];

/** Errors a caller may retry: Moleculer's retryable ones (timeouts included), never 4xx. */
function isRetryable(err: Error & { retryable?: boolean }): boolean {
  return err.retryable === true;
}

function tracing(settings: Settings): BrokerOptions["tracing"] {
  return {
    enabled: Boolean(settings.jaegerHost),
    sampling: { rate: settings.tracingSampleRate },
    tags: { action: actionTraceTags },
    ...(settings.jaegerHost
      ? {
          exporter: {
            type: "Jaeger",
            options: { host: settings.jaegerHost, port: settings.jaegerPort },
          },
        }
      : {}),
  };
}

/**
 * The broker of one Bazaar node, from the environment. Every setting of architecture §2 is read and
 * validated here; a bad value throws a SettingsError that names the variable.
 */
export function createBrokerConfig(env: Env = process.env): BrokerOptions {
  const settings = readSettings(env);
  installLeanObservability();
  return {
    namespace: settings.namespace,
    nodeID: settings.nodeId,
    logger: loggerConfig(settings.production, settings.logLevel),
    transporter: settings.transporter
      ? new FailFastNatsTransporter({ url: settings.transporter })
      : null,
    cacher: settings.redisUrl
      ? new ResilientRedisCacher(settings.redisUrl, "bazaar-cache", 300)
      : { type: "Memory", options: { ttl: 60 } },
    serializer: "JSON",
    // Lengths before patterns, a bound on every pattern, and `null` never taken for "absent".
    validator: hardenedValidator() as unknown as BrokerOptions["validator"],

    // Every call ends: a dead peer or a stuck handler costs at most this long.
    requestTimeout: settings.requestTimeoutMs,
    // Off by default: an action opts in with `retryPolicy: { enabled: true }` only when running
    // it twice is harmless, because Moleculer retries timeouts, and a timed-out charge may have
    // gone through.
    retryPolicy: {
      enabled: false,
      retries: 3,
      delay: 100,
      maxDelay: 1000,
      factor: 2,
      check: isRetryable as (err: Error) => boolean,
    },
    circuitBreaker: {
      enabled: true,
      threshold: 0.5,
      minRequestCount: 20,
      windowTime: 60,
      halfOpenTime: 10_000,
      check: isEndpointFault as (err: Error) => boolean,
    },
    bulkhead: { enabled: true, concurrency: 100, maxQueueSize: 1000 },
    // A refusal raised on another node arrives as the client error it was (the saga settles an
    // order by that class).
    errorRegenerator: new ClientErrorRegenerator(),
    // A crashed node is noticed by the NATS server at once (platform/runtime/fail-fast-nats.ts); heartbeats
    // are for what it cannot see: a node alive on NATS but hung, or cut off on another route.
    heartbeatInterval: 2,
    heartbeatTimeout: 6,
    // On SIGTERM the node first tells the others it leaves and reports not ready, then serves on
    // for this long, so that neither peers nor a load balancer send it work it cannot finish.
    registry: {
      strategy: "RoundRobin",
      preferLocal: true,
      stopDelay: settings.shutdownDelayMs,
      discoverer: new StallAwareDiscoverer(),
    } as BrokerOptions["registry"],
    // SIGTERM waits for in-flight calls before leaving.
    tracking: { enabled: true, shutdownTimeout: 10_000 },

    metrics: {
      enabled: settings.metricsEnabled,
      // Prometheus computes percentiles from the histogram buckets. Moleculer's own quantiles keep
      // every observation of the last minute and sort them: with them, metrics cost more than half
      // of a cached read's throughput (measured, BENCHMARKS.md).
      defaultQuantiles: null as unknown as number[],
      // Moleculer leaves process metrics (memory, uptime) out when NODE_ENV=test; we want the same
      // metrics under test as in production.
      collectProcessMetrics: true,
      reporter: new PrometheusReporter({
        port: settings.metricsPort,
        host: settings.metricsHost,
        path: "/metrics",
        defaultLabels: null,
        excludes: PRIVATE_METRICS,
      }) as unknown as MetricRegistryOptions["reporter"],
    },
    tracing: tracing(settings),

    middlewares: [
      ActionPropertiesMiddleware(),
      RequestContextMiddleware(),
      MetricsMiddleware(SHOP_METRICS),
      RerouteUndeliveredMiddleware(),
      NodeHealthMiddleware(settings.healthPort),
      DurableChannelsMiddleware(settings, Object.values(Channel)),
    ],
    replCommands: REPL_COMMANDS as unknown as BrokerOptions["replCommands"],
    bazaar: settings,
    serviceModules: SERVICE_MODULES,
    created(broker: ServiceBroker) {
      for (const warning of settings.warnings) broker.logger.warn(warning);
    },
  };
}
