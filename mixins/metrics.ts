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
} as const;
type DomainMetric = (typeof DomainMetric)[keyof typeof DomainMetric];

const DEFINITIONS: { name: DomainMetric; description: string; labelNames: string[] }[] = [
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
];

export const DomainMetricsMiddleware = {
  name: "DomainMetrics",
  created(broker: ServiceBroker) {
    if (!broker.isMetricsEnabled()) return;
    for (const definition of DEFINITIONS)
      broker.metrics.register({ type: "counter", ...definition });
  },
} as unknown as Middleware;

export function countMetric(
  broker: ServiceBroker,
  name: DomainMetric,
  labels?: Record<string, string>,
): void {
  if (broker.isMetricsEnabled()) broker.metrics.increment(name, labels);
}
