import { Action } from "../../contracts/actions";
import { provide } from "../../platform/actions/typed-call";
import type { Actions } from "../../platform/actions/action-properties";
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { notFound } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { pageOf } from "../../platform/actions/openapi";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import { AuditedAct } from "../../contracts/audit";
import { auditEvent } from "../../platform/audit/audit-act";
import { faultHook } from "../../platform/runtime/fault-injection";
import { signAccessToken } from "../../platform/actions/jwt";
import { countMetric } from "../../platform/observability/metrics";
import { ownPage, pageParams } from "../../platform/data/pagination";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { usersSettings } from "./settings";
import {
  checkCredentials,
  registerUser,
  seedAdmin,
  sessionsEndedSince,
  setRoles,
  updateProfile,
} from "./accounts";
import { USER_INDEXES } from "./model";
import { createApiKey, resolveApiKey, revokeApiKey } from "./api-keys";
import { API_KEY_INDEXES } from "./model";
import {
  API_KEY_SHAPE,
  createApiKeyParams,
  loginParams,
  NEW_API_KEY_SHAPE,
  PROFILE_UPDATE_SHAPE,
  SESSION_SHAPE,
  setRolesParams,
  USER_SHAPE,
  registerParams,
  toApiKeyView,
  toUserView,
  updateProfileParams,
  type ApiKeyDoc,
  type UserDoc,
} from "./model";
import { idRule } from "../../platform/actions/ids";
import { ShopMetric } from "../../contracts/metrics";

type UsersThis = DbService<{ users: UserDoc; api_keys: ApiKeyDoc }> &
  RelayService & {
    issueToken(user: UserDoc): string;
    sessionsEnded(user: UserDoc): Promise<void>;
  };

/** Cache keys of `resolveApiKey` hold the key (hashed by the cacher): clean them all on a change. */
const API_KEY_CACHE = "users.resolveApiKey:**";
const API_KEYS_CHANGED = "users.apiKeys.changed";
/** Said to every gateway at once; gateways also poll `sessionsEnded`, as events may be lost. */
export const SESSIONS_ENDED = "users.sessions.ended";

const UsersService: ServiceSchema<ServiceSettingSchema, UsersThis> = {
  name: "users",
  mixins: [
    DbMixin({ users: USER_INDEXES, api_keys: API_KEY_INDEXES }),
    OutboxRelayMixin(["users", "api_keys"]),
    HealthMixin,
  ],

  actions: {
    register: provide(Action.users.register, {
      openapi: {
        summary: "Create an account and sign in",
        status: 201,
        response: SESSION_SHAPE,
        errors: [409],
      },
      access: "public",
      params: registerParams,
      async handler(this: UsersThis, ctx) {
        const user = await registerUser(this.repos.users, ctx.params);
        countMetric(this.broker, ShopMetric.USERS_REGISTERED);
        this.outboxRelay.wake();
        ctx.meta.$created = user.id;
        return { user: toUserView(user), token: this.issueToken(user) };
      },
    }),

    login: {
      openapi: { summary: "Sign in with e-mail and password", response: SESSION_SHAPE },
      access: "public",
      params: loginParams,
      async handler(this: UsersThis, ctx: Ctx<{ email: string; password: string }>) {
        try {
          const user = await checkCredentials(
            this.repos.users,
            ctx.params.email,
            ctx.params.password,
          );
          countMetric(this.broker, ShopMetric.AUTH_LOGINS, { result: "success" });
          return { user: toUserView(user), token: this.issueToken(user) };
        } catch (err) {
          countMetric(this.broker, ShopMetric.AUTH_LOGINS, { result: "failure" });
          throw err;
        }
      },
    },

    me: {
      openapi: { summary: "Your profile", response: USER_SHAPE },
      retryPolicy: { enabled: true },
      async handler(this: UsersThis, ctx: Ctx) {
        const user = await this.repos.users.findById(callerOf(ctx).id);
        if (!user) throw notFound("User");
        return toUserView(user);
      },
    },

    updateMe: {
      openapi: {
        summary: "Change your name or password (the password needs the current one)",
        description:
          "A password change ends every session and API-key-less token issued before it; the " +
          "answer then carries a new token for this session.",
        response: PROFILE_UPDATE_SHAPE,
      },
      sessionOnly: true,
      params: updateProfileParams,
      async handler(
        this: UsersThis,
        ctx: Ctx<{ name?: string; password?: string; currentPassword?: string }>,
      ) {
        const user = await updateProfile(this.repos.users, callerOf(ctx).id, ctx.params);
        if (ctx.params.password === undefined) return toUserView(user);
        await this.sessionsEnded(user);
        return { ...toUserView(user), token: this.issueToken(user) };
      },
    },

    setRoles: provide(Action.users.setRoles, {
      openapi: {
        summary: "Set a user's roles (ends the sessions that user had)",
        response: USER_SHAPE,
      },
      access: "admin",
      params: setRolesParams,
      async handler(this: UsersThis, ctx) {
        const user = await setRoles(this.repos.users, ctx.params.id, ctx.params.roles, (change) =>
          auditEvent(ctx, AuditedAct.ROLES_SET, { kind: "user", id: ctx.params.id }, change),
        );
        // A test's crash point: the grant is written, its record not yet told.
        faultHook(this.broker, this.logger)("after-audited-write");
        this.outboxRelay.wake();
        await this.sessionsEnded(user);
        await this.broker.broadcast(API_KEYS_CHANGED);
        return toUserView(user);
      },
    }),

    /** Users whose sessions ended after `since`: gateways poll this (services/api). */
    sessionsEnded: provide(Action.users.sessionsEnded, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { since: { type: "string", max: 40 } },
      handler(this: UsersThis, ctx) {
        return sessionsEndedSince(this.repos.users, ctx.params.since);
      },
    }),

    createApiKey: {
      openapi: {
        summary: "Create an API key: the key is shown once, in this answer",
        status: 201,
        response: NEW_API_KEY_SHAPE,
      },
      sessionOnly: true,
      params: createApiKeyParams,
      async handler(this: UsersThis, ctx: Ctx<{ name: string; scopes?: string[] }>) {
        const { doc, key } = await createApiKey(
          this.repos.api_keys,
          callerOf(ctx),
          ctx.params,
          (id, change) =>
            auditEvent(ctx, AuditedAct.API_KEY_CREATED, { kind: "api_key", id }, change),
        );
        this.outboxRelay.wake();
        countMetric(this.broker, ShopMetric.API_KEYS_CREATED);
        ctx.meta.$created = doc.id;
        return { ...toApiKeyView(doc), key };
      },
    },

    listApiKeys: {
      openapi: { summary: "Your API keys (without the keys)", response: pageOf(API_KEY_SHAPE) },
      sessionOnly: true,
      retryPolicy: { enabled: true },
      params: { $$strict: "remove", ...pageParams },
      async handler(this: UsersThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        return ownPage(this.repos.api_keys, callerOf(ctx), ctx.params, toApiKeyView, {
          where: { revokedAt: { $exists: false } },
        });
      },
    },

    revokeApiKey: {
      openapi: { summary: "Revoke one of your API keys", status: 204 },
      sessionOnly: true,
      params: { $$strict: true, id: idRule },
      async handler(this: UsersThis, ctx: Ctx<{ id: string }>) {
        await revokeApiKey(this.repos.api_keys, callerOf(ctx).id, ctx.params.id, (id, change) =>
          auditEvent(ctx, AuditedAct.API_KEY_REVOKED, { kind: "api_key", id }, change),
        );
        this.outboxRelay.wake();
        await this.broker.broadcast(API_KEYS_CHANGED);
        return null;
      },
    },

    /** Where to write to a user (notifications); null for an unknown user. */
    contactOf: provide(Action.users.contactOf, {
      visibility: "public",
      retryPolicy: { enabled: true },
      cache: { keys: ["userId"], ttl: 300 },
      params: { userId: idRule },
      async handler(this: UsersThis, ctx) {
        const user = await this.repos.users.findById(ctx.params.userId);
        return user ? { email: user.email, name: user.name } : null;
      },
    }),

    /** The gateway's lookup of an `X-API-Key`; cached, and cleaned on every node on a revoke. */
    resolveApiKey: provide(Action.users.resolveApiKey, {
      visibility: "public",
      retryPolicy: { enabled: true },
      cache: { keys: ["key"], ttl: 60 },
      params: { key: { type: "string", min: 1, max: 200 } },
      handler(this: UsersThis, ctx) {
        return resolveApiKey(this.repos.api_keys, this.repos.users, ctx.params.key);
      },
    }),
  } satisfies Actions,

  events: {
    // Moleculer events may be lost; a lost one leaves a revoked key usable for at most the
    // cache TTL above. With REDIS_URL the cache is shared and the clean is immediate anyway.
    async [API_KEYS_CHANGED](this: UsersThis) {
      await this.broker.cacher?.clean(API_KEY_CACHE);
    },
  },

  methods: {
    issueToken(this: UsersThis, user: UserDoc): string {
      const settings = settingsOf(this.broker);
      return signAccessToken(user, settings.jwtSecret, settings.jwtTtlSeconds);
    },

    async sessionsEnded(this: UsersThis, user: UserDoc): Promise<void> {
      await this.broker.broadcast(SESSIONS_ENDED, {
        userId: user.id,
        sessionVersion: user.sessionVersion ?? 0,
        endedAt: user.sessionsEndedAt,
      });
    },
  },

  async started(this: UsersThis) {
    const { adminEmail, adminPassword } = ownSettings(this.broker, usersSettings);
    if (adminEmail && adminPassword)
      await seedAdmin(this.repos.users, adminEmail, adminPassword, this.logger);
  },
};

export default UsersService;
