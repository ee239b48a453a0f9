import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { AuditedAct } from "../../contracts/audit";
import {
  FLAG_CHANGED,
  FlagsError,
  type FlagDefinition,
  type FlagValue,
} from "../../contracts/flags";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { FlagsClientMixin, nodeFlags } from "../../mixins/flags-client.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { conflict, invalid, notFound } from "../../platform/actions/errors";
import { arrayOf, mapOf, object, string } from "../../platform/actions/openapi";
import { auditEvent } from "../../platform/audit/audit-act";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import {
  FLAG_KEY,
  FLAG_PARAMS,
  FLAG_SHAPE,
  flagProblems,
  toFlagView,
  type FlagDoc,
  type FlagInput,
} from "./definitions";

type FlagsThis = DbService<{ flags: FlagDoc; flag_versions: { id: string; value: number } }> &
  RelayService;

const keyParam = { type: "string", max: 64, pattern: FLAG_KEY } as const;

/** The next version of the whole set: every change numbers past every other. */
async function nextVersion(self: FlagsThis): Promise<number> {
  await insertIfAbsent(self.repos.flag_versions, { id: "flags", value: 0 });
  const bumped = await self.repos.flag_versions.findOneAndUpdate(
    { id: "flags" },
    { $inc: { value: 1 } },
  );
  return bumped!.value;
}

/** Wiring only: what a flag may say is in definitions.ts, how it is evaluated in platform/flags. */
const FlagsService: ServiceSchema<ServiceSettingSchema, FlagsThis> = {
  name: "flags",
  mixins: [
    DbMixin({ flags: [{ fields: ["outboxPending"], range: "number" }], flag_versions: [] }),
    OutboxRelayMixin("flags"),
    FlagsClientMixin,
    HealthMixin,
  ],

  actions: {
    list: {
      access: "admin",
      openapi: {
        summary: "Every flag",
        response: object({ rows: arrayOf(FLAG_SHAPE) }, [], "Flags"),
      },
      async handler(this: FlagsThis) {
        const rows = await this.repos.flags.find({}, { sort: { id: 1 } });
        return { rows: rows.map(toFlagView) };
      },
    },

    get: {
      access: "admin",
      openapi: { summary: "A flag", response: FLAG_SHAPE },
      params: { $$strict: true, key: keyParam },
      async handler(this: FlagsThis, ctx: Ctx<{ key: string }>) {
        const flag = await this.repos.flags.findById(ctx.params.key);
        if (!flag) throw notFound("Flag");
        return toFlagView(flag);
      },
    },

    put: {
      access: "admin",
      openapi: {
        summary: "Create or change a flag; every node evaluates the change within a second",
        description:
          "`kind` is boolean, string (a variant), number or object (configuration); `default`, each rule's `serve` and the rollout's `serve` are of that kind. Rules (`attribute`: role, country or userId, `in`: values) decide first, in order; then `rollout.percent` of users, the same ones every time, get `rollout.serve`; the rest get `default`. Turned off (`enabled: false`), everyone gets `default`. Every change is in the audit log.",
        response: FLAG_SHAPE,
      },
      params: FLAG_PARAMS,
      async handler(this: FlagsThis, ctx: Ctx<FlagInput & { key: string }>) {
        const { key, ...input } = ctx.params;
        const problems = flagProblems(input);
        if (problems.length) throw invalid(problems, "The flag does not hold together");
        const held = await this.repos.flags.findById(key);
        const version = await nextVersion(this);
        const flag: FlagDefinition = {
          key,
          ...input,
          version,
          updatedAt: new Date().toISOString(),
        };
        const told = auditEvent(
          ctx,
          AuditedAct.FLAG_CHANGED,
          { kind: "flag", id: key },
          { ...(held ? { before: toFlagView(held) } : {}), after: flag },
        );
        const written = held
          ? await this.repos.flags.updateOne(
              { id: key, version: held.version },
              withEvents({ $set: { ...flag }, ...unsetOf(held, flag) }, [told]),
            )
          : (await insertIfAbsent(this.repos.flags, {
                id: key,
                ...flag,
                ...withNewEvents([told]),
              }))
            ? 1
            : 0;
        if (!written)
          throw conflict(FlagsError.FLAG_INVALID, "The flag changed meanwhile; try again");
        this.outboxRelay.wake();
        nodeFlags(this.broker).set.put(flag);
        await this.broker.broadcast(FLAG_CHANGED, { flag });
        return flag;
      },
    },

    evaluate: {
      access: "user",
      openapi: {
        summary: "Your flags, as every node evaluates them for you (for front ends)",
        description: "`country` (ISO 3166 alpha-2) is yours to tell; roles are your account's.",
        response: object(
          { flags: mapOf(object({ value: {}, reason: string }, [], "FlagEvaluation")) },
          [],
          "YourFlags",
        ),
      },
      params: {
        $$strict: true,
        country: { type: "string", max: 2, pattern: /^[A-Z]{2}$/, optional: true },
      },
      async handler(this: FlagsThis, ctx: Ctx<{ country?: string }>) {
        const caller = callerOf(ctx);
        const { set, client } = nodeFlags(this.broker);
        const context = {
          targetingKey: caller.id,
          roles: caller.roles,
          ...(ctx.params.country ? { country: ctx.params.country } : {}),
        };
        const flags: Record<string, { value: FlagValue; reason: string }> = {};
        for (const flag of set.all()) {
          const details =
            flag.kind === "boolean"
              ? await client.getBooleanDetails(flag.key, false, context)
              : flag.kind === "string"
                ? await client.getStringDetails(flag.key, "", context)
                : flag.kind === "number"
                  ? await client.getNumberDetails(flag.key, 0, context)
                  : await client.getObjectDetails(flag.key, {}, context);
          flags[flag.key] = {
            value: details.value as FlagValue,
            reason: details.reason ?? "UNKNOWN",
          };
        }
        return { flags };
      },
    },

    /** Every node's version check: the whole set when the caller's is older, else nothing. */
    all: {
      visibility: "public",
      params: { $$strict: true, known: { type: "number", integer: true, min: 0 } },
      async handler(this: FlagsThis, ctx: Ctx<{ known: number }>) {
        const version = (await this.repos.flag_versions.findById("flags"))?.value ?? 0;
        if (version === ctx.params.known) return { version };
        const rows = await this.repos.flags.find({});
        return { version, flags: rows.map(toFlagView) };
      },
    },
  } satisfies Actions,
};

/** Optional fields the old flag had and the new one lacks, to take away. */
function unsetOf(held: FlagDoc, flag: FlagDefinition): { $unset?: Record<string, true> } {
  const unset: Record<string, true> = {};
  for (const field of ["description", "rollout"] as const)
    if (held[field] !== undefined && flag[field] === undefined) unset[field] = true;
  return Object.keys(unset).length ? { $unset: unset } : {};
}

export default FlagsService;
