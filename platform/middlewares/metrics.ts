import type { Middleware, ServiceBroker } from "moleculer";
import { PLATFORM_METRICS, PlatformMetric, type MetricDefinition } from "../observability/metrics";

/** The channel subscriptions of a service schema, for their zero-valued series. */
type ChannelSchemas = Record<string, { group?: string }>;

export function MetricsMiddleware(definitions: readonly MetricDefinition[]): Middleware {
  return {
    name: "DomainMetrics",
    created(broker: ServiceBroker) {
      if (!broker.isMetricsEnabled()) return;
      for (const definition of [...PLATFORM_METRICS, ...definitions])
        broker.metrics.register({ type: "counter", ...definition });
    },
    // A consumer's failure counters exist from its start, at 0: an alert on their increase then
    // has a series to watch, and a dashboard shows 0 rather than "no data".
    serviceStarted(service: { name: string; schema: { channels?: ChannelSchemas } }) {
      if (!service.schema.channels || !broker(service).isMetricsEnabled()) return;
      for (const [channel, { group = service.name }] of Object.entries(service.schema.channels))
        for (const name of [PlatformMetric.CHANNEL_FAILURES, PlatformMetric.CHANNEL_DEAD_LETTERS])
          broker(service).metrics.increment(name, { channel, group }, 0);
    },
  } as unknown as Middleware;
}

const broker = (service: unknown) => (service as { broker: ServiceBroker }).broker;
