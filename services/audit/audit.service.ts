import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { AuditedAct } from "../../contracts/audit";
import { Channel } from "../../contracts/channels";
import { consumes, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import type { Ctx } from "../../platform/actions/access";
import { unprocessable } from "../../platform/actions/errors";
import { optionalIdRule } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { findPage, pageParams } from "../../platform/data/pagination";
import {
  AUDIT_RECORD_INDEXES,
  AUDIT_RECORD_SHAPE,
  filterOf,
  toRecord,
  toRecordView,
  type AuditQuery,
  type AuditRecordDoc,
} from "./records";

type AuditThis = DbService<{ audit_records: AuditRecordDoc }>;

const ISO = /^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d))?$/;
const time = { type: "string", optional: true, max: 40, pattern: ISO } as const;

/** Every act told by its own write is kept once: the message id is the record's. */
const recorder = consumes([Channel.AUDIT_RECORDED], "audit", async function (message) {
  const self = this as unknown as AuditThis;
  await insertIfAbsent(self.repos.audit_records, toRecord(message.id, message.data));
});

/** Wiring only: the record's rules are in records.ts. The log has no update or delete route. */
const AuditService: ServiceSchema<ServiceSettingSchema, AuditThis> = {
  name: "audit",
  mixins: [
    DbMixin({ audit_records: AUDIT_RECORD_INDEXES }, { appendOnly: ["audit_records"] }),
    ConsumerMixin,
    HealthMixin,
  ],

  actions: {
    list: {
      access: "admin",
      openapi: {
        summary: "The audit log, newest first: who did what, to what, when, and what changed",
        description:
          "`actor` is a user id (their acts, through a session or a key) or an API key id; `from` and `to` are ISO-8601 times. Records are never changed or removed.",
        response: pageOf(AUDIT_RECORD_SHAPE),
      },
      retryPolicy: { enabled: true },
      params: {
        $$strict: "remove",
        actor: optionalIdRule,
        action: { type: "enum", values: Object.values(AuditedAct), optional: true },
        target: optionalIdRule,
        from: time,
        to: time,
        ...pageParams,
      },
      async handler(this: AuditThis, ctx: Ctx<AuditQuery & { page: number; pageSize: number }>) {
        const { page, pageSize, ...query } = ctx.params;
        for (const field of ["from", "to"] as const)
          if (query[field] && Number.isNaN(Date.parse(query[field]!)))
            throw unprocessable("VALIDATION_ERROR", `${field} is not a time`);
        return findPage(
          this.repos.audit_records,
          filterOf(query),
          { page, pageSize, sort: { at: -1 } },
          toRecordView,
        );
      },
    },
  } satisfies Actions,

  channels: recorder,
};

export default AuditService;
