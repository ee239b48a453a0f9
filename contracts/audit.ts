/**
 * The audit log's contract: an append-only record of every privileged or money-moving act,
 * told by the act's own write (its outbox) on `audit.recorded`.
 */
export const AuditAction = {
  list: "audit.list",
} as const;

export const AuditError = {} as const;

/** The acts recorded, by name. */
export const AuditedAct = {
  ROLES_SET: "users.roles_set",
  API_KEY_CREATED: "users.api_key_created",
  API_KEY_REVOKED: "users.api_key_revoked",
  PAYMENT_REFUNDED: "payments.refunded",
  ORDER_CANCELLED_BY_ADMIN: "orders.cancelled_by_admin",
  PRICE_CHANGED: "catalog.price_changed",
  WEBHOOK_CREATED: "notifications.webhook_created",
  WEBHOOK_REMOVED: "notifications.webhook_removed",
  FLAG_CHANGED: "flags.flag_changed",
  POLICY_ACTIVATED: "policies.activated",
} as const;
export type AuditedAct = (typeof AuditedAct)[keyof typeof AuditedAct];

/** Who acted: a signed-in user, an API key (and its owner), or Bazaar itself. */
export interface AuditActor {
  kind: "user" | "api_key" | "system";
  id: string;
  /** An API key's owner. */
  userId?: string;
}

export interface AuditAct {
  action: AuditedAct;
  actor: AuditActor;
  target: { kind: string; id: string };
  /** The request that did it, to find in the logs and traces. */
  requestId?: string;
  at: string;
  /** What changed, secrets left out. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}
