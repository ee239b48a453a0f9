import type { AuditAct } from "../../contracts/audit";
import { dateTime, object, oneOf, string } from "../../platform/actions/openapi";
import type { Filter, IndexSpec, Repository } from "../../platform/data/repository";

/** One act, as kept: its id is the message's, so a redelivered act is one record. */
export interface AuditRecordDoc extends AuditAct {
  id: string;
  /** Flat copies of what the log is searched by, each indexed: the user, the key, the target. */
  actorId: string;
  keyId?: string;
  targetId: string;
  recordedAt: string;
}
export type AuditRecords = Repository<AuditRecordDoc>;

export const AUDIT_RECORD_INDEXES: IndexSpec[] = [
  { fields: ["at"], range: "string" },
  { fields: ["actorId"] },
  { fields: ["keyId"] },
  { fields: ["action"] },
  { fields: ["targetId"] },
];

export const toRecord = (id: string, act: AuditAct, now = new Date()): AuditRecordDoc => ({
  ...act,
  id,
  actorId: act.actor.kind === "api_key" ? (act.actor.userId ?? act.actor.id) : act.actor.id,
  ...(act.actor.kind === "api_key" ? { keyId: act.actor.id } : {}),
  targetId: act.target.id,
  recordedAt: now.toISOString(),
});

export const toRecordView = ({ actorId: _a, keyId: _k, targetId: _t, ...view }: AuditRecordDoc) =>
  view;

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
}

/** The filter of a query: an actor matches as the user who acted, or the key they used. */
export function filterOf(query: AuditQuery): Filter {
  const at: Record<string, string> = {};
  if (query.from) at.$gte = new Date(query.from).toISOString();
  if (query.to) at.$lt = new Date(query.to).toISOString();
  return {
    ...(query.actor ? { $or: [{ actorId: query.actor }, { keyId: query.actor }] } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.target ? { targetId: query.target } : {}),
    ...(Object.keys(at).length ? { at } : {}),
  };
}

export const AUDIT_RECORD_SHAPE = object(
  {
    id: string,
    action: string,
    actor: object(
      { kind: oneOf(["user", "api_key", "system"]), id: string, userId: string },
      ["userId"],
      "AuditActor",
    ),
    target: object({ kind: string, id: string }, [], "AuditTarget"),
    requestId: string,
    at: dateTime,
    before: { type: "object" },
    after: { type: "object" },
    recordedAt: dateTime,
  },
  ["requestId", "before", "after"],
  "AuditRecord",
);
