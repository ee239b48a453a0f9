import type { Middleware, ServiceBroker } from "moleculer";

/**
 * Every domain metric, declared once. Prometheus sees dots as underscores:
 * `bazaar.auth.logins.total` is scraped as `bazaar_auth_logins_total`.
 */
export const DomainMetric = {
  AUTH_LOGINS: "bazaar.auth.logins.total",
  USERS_REGISTERED: "bazaar.users.registered.total",
  API_KEYS_CREATED: "bazaar.api_keys.created.total",
  RATE_LIMIT_REJECTIONS: "bazaar.gateway.rate_limited.total",
  ORDERS: "bazaar.orders.total",
  REVENUE: "bazaar.revenue.total",
  PAYMENTS: "bazaar.payments.total",
  RESERVATIONS_REJECTED: "bazaar.reservations.rejected.total",
  OUTBOX_PENDING: "bazaar.outbox.pending",
  NOTIFICATION_DELIVERIES: "bazaar.notifications.deliveries.total",
  EVENTS_INGESTED: "bazaar.analytics.events.ingested.total",
  EVENTS_DROPPED_LATE: "bazaar.analytics.events.dropped_late.total",
  CHANNEL_FAILURES: "bazaar.channels.failures.total",
  CHANNEL_DEAD_LETTERS: "bazaar.channels.dead_letters.total",
  CHANNEL_LAG: "bazaar.channels.lag",
  OUTBOX_LAG: "bazaar.outbox.lag.seconds",
} as const;
type DomainMetric = (typeof DomainMetric)[keyof typeof DomainMetric];

const DEFINITIONS: {
  name: DomainMetric;
  description: string;
  labelNames: string[];
  type?: "counter" | "gauge";
}[] = [
  {
    name: DomainMetric.AUTH_LOGINS,
    description: "Login attempts by result",
    labelNames: ["result"],
  },
  { name: DomainMetric.USERS_REGISTERED, description: "Accounts created", labelNames: [] },
  { name: DomainMetric.API_KEYS_CREATED, description: "API keys created", labelNames: [] },
  {
    name: DomainMetric.RATE_LIMIT_REJECTIONS,
    description: "Requests refused by a rate limit, by limit",
    labelNames: ["limit"],
  },
  { name: DomainMetric.ORDERS, description: "Orders reaching a status", labelNames: ["status"] },
  {
    name: DomainMetric.REVENUE,
    description: "Confirmed order value, minor units, by currency (refunds not netted)",
    labelNames: ["currency"],
  },
  {
    name: DomainMetric.PAYMENTS,
    description: "Charge attempts by result (succeeded, declined, error)",
    labelNames: ["result"],
  },
  {
    name: DomainMetric.RESERVATIONS_REJECTED,
    description: "Orders refused for want of stock",
    labelNames: [],
  },
  {
    name: DomainMetric.OUTBOX_PENDING,
    description: "Order events written but not yet published, as the relay last saw them",
    labelNames: [],
    type: "gauge",
  },
  {
    name: DomainMetric.NOTIFICATION_DELIVERIES,
    description: "Notification deliveries by channel (inbox, email, webhook) and result",
    labelNames: ["channel", "result"],
  },
  {
    name: DomainMetric.EVENTS_INGESTED,
    description: "Behaviour events accepted by POST /events",
    labelNames: [],
  },
  {
    name: DomainMetric.EVENTS_DROPPED_LATE,
    description: "Behaviour events too late for their window",
    labelNames: [],
  },
  {
    name: DomainMetric.CHANNEL_FAILURES,
    description: "Channel deliveries whose handler failed after its in-process retries",
    labelNames: ["channel", "group"],
  },
  {
    name: DomainMetric.CHANNEL_DEAD_LETTERS,
    description: "Channel messages given up on and moved to the dead-letter channel",
    labelNames: ["channel", "group"],
  },
  {
    name: DomainMetric.CHANNEL_LAG,
    description:
      "Messages a consumer group has yet to handle: waiting in JetStream plus given and not yet acknowledged (every member reports the group's count)",
    labelNames: ["channel", "group"],
    type: "gauge",
  },
  {
    name: DomainMetric.OUTBOX_LAG,
    description:
      "Age of the oldest event written but not yet published, in seconds, by the collection whose outbox holds it (0 when none waits)",
    labelNames: ["source"],
    type: "gauge",
  },
];

/** The channel subscriptions of a service schema, for their zero-valued series. */
type ChannelSchemas = Record<string, { group?: string }>;

export const DomainMetricsMiddleware = {
  name: "DomainMetrics",
  created(broker: ServiceBroker) {
    if (!broker.isMetricsEnabled()) return;
    for (const definition of DEFINITIONS)
      broker.metrics.register({ type: "counter", ...definition });
  },
  // A consumer's failure counters exist from its start, at 0: an alert on their increase then
  // has a series to watch, and a dashboard shows 0 rather than "no data".
  serviceStarted(service: { name: string; schema: { channels?: ChannelSchemas } }) {
    if (!service.schema.channels || !broker(service).isMetricsEnabled()) return;
    for (const [channel, { group = service.name }] of Object.entries(service.schema.channels))
      for (const name of [DomainMetric.CHANNEL_FAILURES, DomainMetric.CHANNEL_DEAD_LETTERS])
        broker(service).metrics.increment(name, { channel, group }, 0);
  },
} as unknown as Middleware;

const broker = (service: unknown) => (service as { broker: ServiceBroker }).broker;

export function setGauge(
  broker: ServiceBroker,
  name: DomainMetric,
  value: number,
  labels?: Record<string, string>,
): void {
  if (broker.isMetricsEnabled()) broker.metrics.set(name, value, labels);
}

export function countMetric(
  broker: ServiceBroker,
  name: DomainMetric,
  labels?: Record<string, string>,
  by = 1,
): void {
  if (broker.isMetricsEnabled()) broker.metrics.increment(name, labels, by);
}
