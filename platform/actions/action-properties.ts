import type { ActionSchema } from "moleculer";

/** Who may call a published action over HTTP (default "user"). */
export const ACCESS_LEVELS = ["public", "user", "admin"] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/**
 * What an API key may be allowed to do; an action names the one it needs. `forward` is no
 * route's: it lets a key's events speak for other users (a shop's backend), and only an admin
 * account may make such a key.
 */
export const API_KEY_SCOPES = ["read", "write", "events", "forward", "admin"] as const;
/** Scopes that only an admin account may give a key. */
export const ADMIN_ONLY_SCOPES: readonly string[] = ["admin", "forward"];
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * Our properties of an action, declared once. Moleculer's own schema takes any key, so a typo
 * in a property's value fails `tsc` here, and a typo in its name fails where a service's
 * actions are checked against `Actions` (`satisfies Actions`).
 */
declare module "moleculer" {
  interface ActionSchema {
    /** Who may call it over HTTP; read by the gateway, closed to all when unknown. */
    access?: Access;
    /** The API-key scope it needs (default "read" for GET, "write" otherwise). */
    scope?: ApiKeyScope;
    /** No API keys: a signed-in session only. */
    sessionOnly?: boolean;
    /** Running it twice changes nothing: a call whose node died is sent to another instance. */
    idempotent?: boolean;
  }
}

type KnownActionProperty =
  | "name"
  | "rest"
  | "visibility"
  | "params"
  | "cache"
  | "handler"
  | "tracing"
  | "bulkhead"
  | "circuitBreaker"
  | "retryPolicy"
  | "fallback"
  | "hooks"
  | "access"
  | "scope"
  | "sessionOnly"
  | "idempotent"
  | "openapi";

/** An action as we write them: Moleculer's properties and ours, and nothing else. */
export type ActionDefinition = Pick<ActionSchema, KnownActionProperty> & { timeout?: number };
export type Actions = Record<string, ActionDefinition>;

const CHECKS: Record<string, (value: unknown) => boolean> = {
  access: (v) => (ACCESS_LEVELS as readonly unknown[]).includes(v),
  scope: (v) => (API_KEY_SCOPES as readonly unknown[]).includes(v),
  sessionOnly: (v) => typeof v === "boolean",
  idempotent: (v) => typeof v === "boolean",
};

/** The problems of a service's actions' properties: values the gateway would not understand. */
export function actionPropertyProblems(
  serviceName: string,
  actions: Record<string, unknown> | undefined,
): string[] {
  const problems: string[] = [];
  for (const [name, action] of Object.entries(actions ?? {})) {
    if (!action || typeof action !== "object") continue;
    for (const [property, valid] of Object.entries(CHECKS)) {
      const value = (action as Record<string, unknown>)[property];
      if (value !== undefined && !valid(value))
        problems.push(
          `${serviceName}.${name}: ${property} ${JSON.stringify(value)} is not one we know`,
        );
    }
  }
  return problems;
}
