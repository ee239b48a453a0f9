import type { ServiceBroker } from "moleculer";

/** A metric to register at start-up: a counter unless it says gauge. */
export interface MetricDefinition {
  name: string;
  description: string;
  labelNames: string[];
  type?: "counter" | "gauge";
}

/** The platform's own metrics (channels and outboxes), whatever services run. */
export const PlatformMetric = {
  OUTBOX_PENDING: "bazaar.outbox.pending",
  CHANNEL_FAILURES: "bazaar.channels.failures.total",
  CHANNEL_DEAD_LETTERS: "bazaar.channels.dead_letters.total",
  CHANNEL_LAG: "bazaar.channels.lag",
  OUTBOX_LAG: "bazaar.outbox.lag.seconds",
  EVENT_SCHEMA_VIOLATIONS: "bazaar.events.schema_violations.total",
} as const;

export const PLATFORM_METRICS: readonly MetricDefinition[] = [
  {
    name: PlatformMetric.EVENT_SCHEMA_VIOLATIONS,
    description: "Channel messages sent although their schema refused them (a producer's bug)",
    labelNames: ["channel"],
  },
  {
    name: PlatformMetric.OUTBOX_PENDING,
    description: "Events written but not yet published, as the relay last saw them",
    labelNames: [],
    type: "gauge",
  },
  {
    name: PlatformMetric.CHANNEL_FAILURES,
    description: "Channel deliveries whose handler failed after its in-process retries",
    labelNames: ["channel", "group"],
  },
  {
    name: PlatformMetric.CHANNEL_DEAD_LETTERS,
    description: "Channel messages given up on and moved to the dead-letter channel",
    labelNames: ["channel", "group"],
  },
  {
    name: PlatformMetric.CHANNEL_LAG,
    description:
      "Messages a consumer group has yet to handle: waiting in JetStream plus given and not yet acknowledged (every member reports the group's count)",
    labelNames: ["channel", "group"],
    type: "gauge",
  },
  {
    name: PlatformMetric.OUTBOX_LAG,
    description:
      "Age of the oldest event written but not yet published, in seconds, by the collection whose outbox holds it (0 when none waits)",
    labelNames: ["source"],
    type: "gauge",
  },
];

export function setGauge(
  broker: ServiceBroker,
  name: string,
  value: number,
  labels?: Record<string, string>,
): void {
  if (broker.isMetricsEnabled()) broker.metrics.set(name, value, labels);
}

export function countMetric(
  broker: ServiceBroker,
  name: string,
  labels?: Record<string, string>,
  by = 1,
): void {
  if (broker.isMetricsEnabled()) broker.metrics.increment(name, labels, by);
}
