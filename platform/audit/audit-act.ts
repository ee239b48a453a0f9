import type { Context } from "moleculer";
import { Channel, type ChannelEvent } from "../../contracts/channels";
import type { AuditAct, AuditActor, AuditedAct } from "../../contracts/audit";
import type { CallerMeta } from "../actions/access";

/** Fields whose values never reach the audit log, at any depth. */
const SECRET = /pass(word)?|secret|token|hash|^key$|signing/i;
const MAX_DEPTH = 6;

/** A copy of `value` with every secret-named field left out. */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([field]) => !SECRET.test(field))
      .map(([field, item]) => [field, withoutSecrets(item, depth + 1)]),
  );
}

/** Who is acting, as the call says: a user, an API key with its owner, or Bazaar itself. */
export function actorOf(ctx: Context<unknown, CallerMeta> | undefined): AuditActor {
  const user = ctx?.meta.user;
  if (!user) return { kind: "system", id: "system" };
  if (user.apiKeyId) return { kind: "api_key", id: user.apiKeyId, userId: user.id };
  return { kind: "user", id: user.id };
}

/**
 * An act's audit record, as an event for the act's own write to carry (its outbox): the act is
 * never done without its record, and a record never tells of an act not done.
 */
export function auditEvent(
  ctx: Context<unknown, CallerMeta> | undefined,
  action: AuditedAct,
  target: AuditAct["target"],
  change: { before?: object; after?: object } = {},
  at = new Date().toISOString(),
): ChannelEvent {
  const data: AuditAct = {
    action,
    actor: actorOf(ctx),
    target,
    at,
    ...(ctx?.requestID ? { requestId: ctx.requestID } : {}),
    ...(change.before ? { before: withoutSecrets(change.before) as Record<string, unknown> } : {}),
    ...(change.after ? { after: withoutSecrets(change.after) as Record<string, unknown> } : {}),
  };
  return { type: Channel.AUDIT_RECORDED, data };
}
