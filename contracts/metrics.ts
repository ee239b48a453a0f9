/**
 * The shop's own metrics, declared once: the composition root registers them on every node
 * (platform/middlewares/metrics.ts) and services count them by these names. Prometheus sees dots
 * as underscores: `bazaar.auth.logins.total` is scraped as `bazaar_auth_logins_total`.
 */
export const ShopMetric = {
  AUTH_LOGINS: "bazaar.auth.logins.total",
  USERS_REGISTERED: "bazaar.users.registered.total",
  API_KEYS_CREATED: "bazaar.api_keys.created.total",
  RATE_LIMIT_REJECTIONS: "bazaar.gateway.rate_limited.total",
  READY_ANSWERS: "bazaar.gateway.ready_answers.total",
  ORDERS: "bazaar.orders.total",
  REVENUE: "bazaar.revenue.total",
  PAYMENTS: "bazaar.payments.total",
  RESERVATIONS_REJECTED: "bazaar.reservations.rejected.total",
  NOTIFICATION_DELIVERIES: "bazaar.notifications.deliveries.total",
  EVENTS_INGESTED: "bazaar.analytics.events.ingested.total",
  EVENTS_DROPPED_LATE: "bazaar.analytics.events.dropped_late.total",
  SEARCH_INDEX_LAG: "bazaar.search.index.lag.seconds",
  PROFILE_LAG: "bazaar.engagement.profile.lag.seconds",
  ENGAGEMENT_DECISIONS: "bazaar.engagement.decisions.total",
  JOURNEY_MESSAGES: "bazaar.engagement.journey.messages.total",
  JOURNEY_TIMERS_LATE: "bazaar.engagement.journey.timers.late.seconds",
  CLASSROOM_SOCKETS: "bazaar.classroom.sockets",
  CLASSROOM_FRAMES: "bazaar.classroom.frames.total",
  CLASSROOM_DROPPED: "bazaar.classroom.dropped.total",
} as const;
export type ShopMetric = (typeof ShopMetric)[keyof typeof ShopMetric];

export const SHOP_METRICS: readonly {
  name: ShopMetric;
  description: string;
  labelNames: string[];
  type?: "counter" | "gauge";
}[] = [
  {
    name: ShopMetric.AUTH_LOGINS,
    description: "Login attempts by result",
    labelNames: ["result"],
  },
  { name: ShopMetric.USERS_REGISTERED, description: "Accounts created", labelNames: [] },
  { name: ShopMetric.API_KEYS_CREATED, description: "API keys created", labelNames: [] },
  {
    name: ShopMetric.READY_ANSWERS,
    description: "Reads a gateway answered from the answer it held, without a call, by route",
    labelNames: ["route"],
  },
  {
    name: ShopMetric.RATE_LIMIT_REJECTIONS,
    description: "Requests refused by a rate limit, by limit",
    labelNames: ["limit"],
  },
  { name: ShopMetric.ORDERS, description: "Orders reaching a status", labelNames: ["status"] },
  {
    name: ShopMetric.REVENUE,
    description: "Confirmed order value, minor units, by currency (refunds not netted)",
    labelNames: ["currency"],
  },
  {
    name: ShopMetric.PAYMENTS,
    description: "Charge attempts by result (succeeded, declined, error)",
    labelNames: ["result"],
  },
  {
    name: ShopMetric.RESERVATIONS_REJECTED,
    description: "Orders refused for want of stock",
    labelNames: [],
  },
  {
    name: ShopMetric.NOTIFICATION_DELIVERIES,
    description: "Notification deliveries by channel (inbox, email, webhook) and result",
    labelNames: ["channel", "result"],
  },
  {
    name: ShopMetric.EVENTS_INGESTED,
    description: "Behaviour events accepted by POST /events",
    labelNames: [],
  },
  {
    name: ShopMetric.EVENTS_DROPPED_LATE,
    description: "Behaviour events too late for their window",
    labelNames: [],
  },
  {
    name: ShopMetric.CLASSROOM_SOCKETS,
    description: "Live-classroom sockets open on this gateway node",
    labelNames: [],
    type: "gauge",
  },
  {
    name: ShopMetric.CLASSROOM_FRAMES,
    description: "Live-classroom frames, by direction (in from clients, out to them)",
    labelNames: ["direction"],
  },
  {
    name: ShopMetric.CLASSROOM_DROPPED,
    description: "Live-classroom sockets closed for their client's fault, by reason",
    labelNames: ["reason"],
  },
  {
    name: ShopMetric.SEARCH_INDEX_LAG,
    description:
      "How old the last change the search index took was when it took it, in seconds (0 once the index is caught up)",
    labelNames: [],
    type: "gauge",
  },
  {
    name: ShopMetric.PROFILE_LAG,
    description:
      "How old the last behaviour, order or course message was when it was folded into profiles, in seconds",
    labelNames: [],
    type: "gauge",
  },
  {
    name: ShopMetric.ENGAGEMENT_DECISIONS,
    description:
      "Decisions on Bazaar's own messages, by channel, verdict (send, defer, suppress) and reason",
    labelNames: ["channel", "verdict", "reason"],
  },
  {
    name: ShopMetric.JOURNEY_MESSAGES,
    description:
      "Journey messages by journey and outcome: sent, clicked, converted (an order within a day of the click)",
    labelNames: ["journey", "outcome"],
  },
  {
    name: ShopMetric.JOURNEY_TIMERS_LATE,
    description:
      "How late the most overdue journey timer was when this node last looked for due ones, in seconds",
    labelNames: [],
    type: "gauge",
  },
];
