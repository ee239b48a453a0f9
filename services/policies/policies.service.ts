import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { AuditedAct } from "../../contracts/audit";
import {
  POLICIES_CHANGED,
  POLICY_DECISIONS,
  POLICY_SCHEMA,
  PoliciesError,
  type ActivePolicySet,
  type PolicyCase,
  type PolicyDecisionRecord,
  type PolicyQuery,
  type PolicyVersion,
} from "../../contracts/policies";
import { addStoreLoop, DbMixin, type DbService } from "../../mixins/db.mixin";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { ownSettings } from "../../platform/runtime/settings-of";
import { policiesSettings } from "./settings";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import { nodePolicies, PolicyClientMixin, principalEntity } from "../../mixins/policy-client.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { conflict, notFound, unprocessable } from "../../platform/actions/errors";
import { arrayOf, integer, object, pageOf } from "../../platform/actions/openapi";
import { auditEvent } from "../../platform/audit/audit-act";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { ownValue } from "../../platform/data/own-value";
import { findPage, pageParams } from "../../platform/data/pagination";
import type { Filter } from "../../platform/data/repository";
import { withEvents } from "../../platform/messaging/outbox";
import { ipValue, policyProblems } from "../../platform/policy/policy-engine";
import { candidateSet, judgeActivation, malformedCases } from "./activation";
import {
  CREATE_PARAMS,
  DECISION_RECORD_SHAPE,
  DECISION_SHAPE,
  POLICY_DECISION_INDEXES,
  POLICY_SHAPE,
  POLICY_VERSION_INDEXES,
  QUERY_PROPS,
  VERSION_SHAPE,
  policyIdRule,
  sweepDecisions,
  toVersionView,
  versionKey,
  type PolicyDecisionDoc,
  type PolicyStateDoc,
  type PolicyVersionDoc,
} from "./definitions";
import { SHIPPED_POLICIES } from "./shipped";

type PoliciesThis = DbService<{
  policy_versions: PolicyVersionDoc;
  policy_state: PolicyStateDoc;
  policy_decisions: PolicyDecisionDoc;
}> &
  RelayService & { activeSet(): Promise<ActivePolicySet> };

const SWEEP_INTERVAL_MS = 3600_000;

/** Longer than this, a message of problems is cut: the engine's words, not a whole report. */
const MAX_MESSAGE = 1500;
const said = (head: string, problems: string[]) =>
  `${head}: ${problems.join("; ")}`.slice(0, MAX_MESSAGE);

const ISO = /^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d))?$/;
const time = { type: "string", optional: true, max: 40, pattern: ISO } as const;

/** The routes an admin needs to change policies: a set refusing them would lock admins out. */
const POLICY_ROUTES = ["policies.create", "policies.activate"];

/** Wiring only: what makes a change acceptable is in activation.ts, the engine in platform/policy. */
const PoliciesService: ServiceSchema<ServiceSettingSchema, PoliciesThis> = {
  name: "policies",
  mixins: [
    DbMixin({
      policy_versions: POLICY_VERSION_INDEXES,
      policy_state: [{ fields: ["outboxPending"], range: "number" }],
      policy_decisions: POLICY_DECISION_INDEXES,
    }),
    OutboxRelayMixin("policy_state"),
    PolicyClientMixin,
    HealthMixin,
  ],

  actions: {
    list: {
      access: "admin",
      openapi: {
        summary:
          "Every policy with its active and newest versions; with `id`, one policy's every version",
        description:
          "`versions` is newest first. Without `id` it holds only the active version and the newest (which may be the same), so the list stays small however many versions were written; `latestVersion` says how many there are.",
        response: object({ version: integer, rows: arrayOf(POLICY_SHAPE) }, [], "Policies"),
      },
      params: { $$strict: "remove", id: { ...policyIdRule, optional: true } },
      async handler(this: PoliciesThis, ctx: Ctx<{ id?: string }>) {
        const { id: only } = ctx.params;
        const state = await this.repos.policy_state.findById("active");
        const docs = await this.repos.policy_versions.find(only ? { policyId: only } : {});
        const byPolicy = new Map<string, PolicyVersion[]>();
        for (const doc of docs)
          byPolicy.set(doc.policyId, [...(byPolicy.get(doc.policyId) ?? []), toVersionView(doc)]);
        const rows = [...byPolicy].map(([id, all]) => {
          const active = ownValue(state?.active, id);
          const latest = Math.max(...all.map((v) => v.version));
          const shown = only
            ? all
            : all.filter((v) => v.version === latest || v.version === active);
          return {
            id,
            ...(active ? { activeVersion: active } : {}),
            latestVersion: latest,
            versions: shown.sort((a, b) => b.version - a.version),
          };
        });
        rows.sort((a, b) => a.id.localeCompare(b.id));
        return { version: state?.version ?? 0, rows };
      },
    },

    create: {
      access: "admin",
      openapi: {
        summary: "Write a new version of a policy (Cedar), checked against the schema",
        description:
          "A policy is one Cedar `permit` or `forbid` statement over the schema in the docs (principals `User`, `ApiKey`, `Visitor`; resources `Route`, `Order`, `Refund`, `Course`, …). `cases` are questions with the answer the active set must give once this version is active. The version is stored inactive; activating it is a separate call. A statement the engine refuses is 422 POLICY_INVALID with the engine's message.",
        status: 201,
        response: VERSION_SHAPE,
      },
      params: CREATE_PARAMS,
      async handler(
        this: PoliciesThis,
        ctx: Ctx<{ id: string; text: string; description?: string; cases: PolicyCase[] }>,
      ) {
        const { id, text, description, cases } = ctx.params;
        const problems = policyProblems(POLICY_SCHEMA, [{ id, text }]);
        if (problems.length)
          throw unprocessable(
            PoliciesError.POLICY_INVALID,
            said("The policy is invalid", problems),
          );
        const badCases = malformedCases(POLICY_SCHEMA, { id, text }, cases);
        if (badCases.length)
          throw unprocessable(
            PoliciesError.POLICY_INVALID,
            said("These cases do not fit the schema", badCases),
          );
        const latest = await this.repos.policy_versions.find(
          { policyId: id },
          { sort: { version: -1 }, limit: 1 },
        );
        const version = (latest[0]?.version ?? 0) + 1;
        const written = await insertIfAbsent(this.repos.policy_versions, {
          id: versionKey(id, version),
          policyId: id,
          version,
          text,
          ...(description !== undefined ? { description } : {}),
          cases,
          createdAt: new Date().toISOString(),
          createdBy: callerOf(ctx).id,
        });
        if (!written)
          throw conflict(
            PoliciesError.POLICY_INVALID,
            "Another version was written meanwhile; try again",
          );
        ctx.meta.$created = versionKey(id, version);
        return toVersionView(written);
      },
    },

    activate: {
      access: "admin",
      openapi: {
        summary:
          "Make a version of a policy the active one, or take the policy out (rollback is activating an earlier version)",
        description:
          "`version` defaults to the newest; `active: false` takes the policy out of the set. The change is refused with 422 POLICY_LOCKOUT when the new set would refuse you the policy routes, and with 422 POLICY_CASES_FAILED when any active policy's case would fail under it. Every node decides with the new set within a second. The change is in the audit log.",
        response: object({ version: integer }, [], "PolicySetVersion"),
      },
      params: {
        $$strict: true,
        id: policyIdRule,
        version: { type: "number", integer: true, min: 1, optional: true },
        active: { type: "boolean", default: true },
      },
      async handler(
        this: PoliciesThis,
        ctx: Ctx<{ id: string; version?: number; active: boolean }>,
      ) {
        const { id, active } = ctx.params;
        const state = await this.repos.policy_state.findById("active");
        if (!state)
          throw unprocessable(PoliciesError.POLICY_INVALID, "Policies are not set up yet");
        const chosen = active ? await chosenVersion(this, id, ctx.params.version) : null;
        const current = await versionsOf(this, state.active);
        const candidate = candidateSet(current, id, chosen);
        const verdict = judgeActivation(POLICY_SCHEMA, candidate, lockoutQueries(ctx));
        if (verdict.invalid.length)
          throw unprocessable(
            PoliciesError.POLICY_INVALID,
            said("The set would be invalid", verdict.invalid),
          );
        if (verdict.lockedOut.length)
          throw unprocessable(
            PoliciesError.POLICY_LOCKOUT,
            said("The new set would refuse you", verdict.lockedOut),
          );
        if (verdict.failedCases.length)
          throw unprocessable(
            PoliciesError.POLICY_CASES_FAILED,
            said("Test cases fail under the new set", verdict.failedCases),
          );
        const next = { ...state.active };
        if (chosen) next[id] = chosen.version;
        else delete next[id];
        const told = auditEvent(
          ctx,
          AuditedAct.POLICY_ACTIVATED,
          { kind: "policy", id },
          {
            before: { version: ownValue(state.active, id) ?? null },
            after: { version: ownValue(next, id) ?? null },
          },
        );
        const written = await this.repos.policy_state.updateOne(
          { id: "active", version: state.version },
          withEvents(
            {
              $set: {
                version: state.version + 1,
                active: next,
                updatedAt: new Date().toISOString(),
              },
            },
            [told],
          ),
        );
        if (!written)
          throw conflict(PoliciesError.POLICY_INVALID, "The policies changed meanwhile; try again");
        this.outboxRelay.wake();
        const set = await this.activeSet();
        nodePolicies(this.broker).take(set);
        await this.broker.broadcast(POLICIES_CHANGED, set);
        return { version: set.version };
      },
    },

    evaluate: {
      access: "admin",
      openapi: {
        summary: "Ask this node's active set a question: the decision and the policies behind it",
        description:
          'Values are Cedar\'s JSON: an address is `{"__extn": {"fn": "ip", "arg": "10.0.0.1"}}`. Not written to the decision log.',
        response: DECISION_SHAPE,
      },
      params: { $$strict: true, ...QUERY_PROPS },
      handler(this: PoliciesThis, ctx: Ctx<PolicyQuery>) {
        const { engine } = nodePolicies(this.broker);
        const { malformed, ...decision } = engine.decide(ctx.params);
        if (malformed)
          throw unprocessable(
            PoliciesError.POLICY_INVALID,
            said("The question does not fit the schema", decision.errors),
          );
        return { ...decision, version: engine.version };
      },
    },

    decisions: {
      access: "admin",
      openapi: {
        summary:
          "The decision log, newest first: every denial and a sample of allows, with the policies that decided",
        response: pageOf(DECISION_RECORD_SHAPE),
      },
      params: {
        $$strict: "remove",
        decision: { type: "enum", values: ["allow", "deny"], optional: true },
        action: { type: "string", max: 100, optional: true },
        principal: { type: "string", max: 300, optional: true },
        from: time,
        to: time,
        ...pageParams,
      },
      async handler(
        this: PoliciesThis,
        ctx: Ctx<{
          decision?: string;
          action?: string;
          principal?: string;
          from?: string;
          to?: string;
          page: number;
          pageSize: number;
        }>,
      ) {
        const { page, pageSize, from, to, ...exact } = ctx.params;
        const at: Record<string, string> = {};
        for (const [field, op] of [
          [from, "$gte"],
          [to, "$lt"],
        ] as const) {
          if (!field) continue;
          if (Number.isNaN(Date.parse(field)))
            throw unprocessable("VALIDATION_ERROR", "from and to are times");
          at[op] = new Date(field).toISOString();
        }
        const filter: Filter = { ...exact, ...(Object.keys(at).length ? { at } : {}) };
        return findPage(
          this.repos.policy_decisions,
          filter,
          { page, pageSize, sort: { at: -1 } },
          (d) => d,
        );
      },
    },

    /** Every node's version check: the whole set when the caller's is older, else nothing. */
    active: {
      visibility: "public",
      params: { $$strict: true, known: { type: "number", integer: true, min: -1 } },
      async handler(this: PoliciesThis, ctx: Ctx<{ known: number }>) {
        const state = await this.repos.policy_state.findById("active");
        if (!state || state.version === ctx.params.known) return { version: state?.version ?? 0 };
        return { version: state.version, set: await this.activeSet() };
      },
    },
  } satisfies Actions,

  events: {
    [POLICY_DECISIONS]: {
      async handler(
        this: PoliciesThis,
        ctx: Ctx<{ decisions: PolicyDecisionRecord[]; dropped: number }>,
      ) {
        for (const record of ctx.params.decisions)
          await insertIfAbsent(this.repos.policy_decisions, record);
        if (ctx.params.dropped)
          this.logger.warn(
            `A node dropped ${ctx.params.dropped} decisions it could not send in time`,
          );
      },
    },
  },

  methods: {
    async activeSet(this: PoliciesThis): Promise<ActivePolicySet> {
      const state = await this.repos.policy_state.findById("active");
      const versions = await versionsOf(this, state?.active ?? {});
      return {
        version: state?.version ?? 0,
        policies: versions.map(({ id, version, text }) => ({ id, version, text })),
      };
    },
  },

  created(this: PoliciesThis) {
    const sweep = new BackgroundLoop(
      "policy decision log retention",
      SWEEP_INTERVAL_MS,
      async () => {
        const { policyDecisionsRetentionDays } = ownSettings(this.broker, policiesSettings);
        await sweepDecisions(this.repos.policy_decisions, policyDecisionsRetentionDays);
      },
      this.logger,
    );
    addStoreLoop(this, sweep);
  },

  async started(this: PoliciesThis) {
    await seedShipped(this);
    nodePolicies(this.broker).take(await this.activeSet());
  },
};

async function chosenVersion(
  self: PoliciesThis,
  id: string,
  version?: number,
): Promise<PolicyVersion> {
  const found = version
    ? await self.repos.policy_versions.findById(versionKey(id, version))
    : (
        await self.repos.policy_versions.find({ policyId: id }, { sort: { version: -1 }, limit: 1 })
      )[0];
  if (!found) throw notFound("Policy version");
  return toVersionView(found);
}

async function versionsOf(
  self: PoliciesThis,
  active: Record<string, number>,
): Promise<PolicyVersion[]> {
  const keys = Object.entries(active).map(([id, version]) => versionKey(id, version));
  const docs = keys.length ? await self.repos.policy_versions.find({ id: { $in: keys } }) : [];
  return docs.map(toVersionView).sort((a, b) => a.id.localeCompare(b.id));
}

/** The activating admin, from where they are, asking for the policy routes again. */
function lockoutQueries(ctx: Ctx<unknown>): PolicyQuery[] {
  return POLICY_ROUTES.map((route) => ({
    principal: principalEntity(ctx.meta.user),
    action: "request",
    resource: { type: "Route", id: route, attrs: { access: "admin", service: "policies" } },
    context: { ip: ipValue(ctx.meta.clientIp ?? "127.0.0.1"), method: "POST" },
  }));
}

/** A new installation's set: the shipped policies as version 1, all active. Once, whoever starts first. */
async function seedShipped(self: PoliciesThis): Promise<void> {
  if (await self.repos.policy_state.findById("active")) return;
  const now = new Date().toISOString();
  for (const policy of SHIPPED_POLICIES)
    await insertIfAbsent(self.repos.policy_versions, {
      id: versionKey(policy.id, 1),
      policyId: policy.id,
      version: 1,
      text: policy.text,
      description: policy.description,
      cases: policy.cases,
      createdAt: now,
      createdBy: "bazaar",
    });
  await insertIfAbsent(self.repos.policy_state, {
    id: "active",
    version: 1,
    active: Object.fromEntries(SHIPPED_POLICIES.map((p) => [p.id, 1])),
    updatedAt: now,
  });
}

export default PoliciesService;
