import type { Context } from "moleculer";
import { unauthorized } from "./errors";
import type { Principal, Role } from "../../contracts/users";
export type { Principal } from "../../contracts/users";

/**
 * Custom properties of a published action, read by the gateway before it calls the action:
 * `access` who may call it (default "user"), `sessionOnly` no API keys, `scope` the API-key
 * scope it needs (default "read" for GET, "write" otherwise). Read by every caller:
 * `idempotent: true`, running it twice changes nothing, so a call whose node died while running
 * it is sent to another instance (platform/runtime/fail-fast-nats.ts).
 */
export type { Access } from "./action-properties";

/**
 * What a call carries besides its params, declared once: the gateway writes it, services read
 * it, and neither spells it on its own.
 */
export interface CallerMeta {
  user?: Principal | null;
  /** The caller's address as the gateway saw it (behind trusted proxies, the client's). */
  clientIp?: string;
  /** The request's `Idempotency-Key` header as it came; the orders service checks its form. */
  idempotencyKey?: string | string[];
  /** Whether the docs page was asked for with a trailing slash (its links are relative). */
  trailingSlash?: boolean;
  $statusCode?: number;
  $location?: string;
  /** The id of what this call created: the gateway answers 201 and says where it lives. */
  $created?: string;
  $responseHeaders?: Record<string, string>;
  /** The answer's content type, for the gateway's own pages. */
  $responseType?: string;
}

/** The context of an action a caller reached: its params, and who is calling (`meta.user`). */
export type Ctx<P = Record<string, never>, M = object> = Context<P, CallerMeta & M>;

export function callerOf(ctx: Context<unknown, CallerMeta>): Principal {
  const user = ctx.meta.user;
  if (!user) throw unauthorized();
  return user;
}

/**
 * Call options for a tool run by an operator with the node in hand (the REPL, the seed script):
 * the call acts as an administrator named `id`, as if it came through the gateway.
 */
export function asOperator(id: string): { meta: CallerMeta } {
  return { meta: { user: { id, roles: ["admin"] } } };
}

export function isAdmin(principal: Principal): boolean {
  return principal.roles.includes("admin");
}

/**
 * What an API key may act as: its owner's roles, less `admin` unless the key carries the `admin`
 * scope. A key's power is the intersection of the two, so services that check `isAdmin` (to show
 * every user's orders, to cancel another's) see a customer behind a read/write key.
 */
export function apiKeyRoles(ownerRoles: Role[], scopes: string[]): Role[] {
  return scopes.includes("admin") ? ownerRoles : ownerRoles.filter((role) => role !== "admin");
}
