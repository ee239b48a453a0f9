/** Accounts as other services see them. Types only. */
export type Role = "customer" | "admin";

/**
 * Who is calling, as the gateway resolved it: from a bearer token, or from an API key (then
 * with that key's scopes).
 */
export interface Principal {
  id: string;
  roles: Role[];
  apiKeyId?: string;
  scopes?: string[];
}

/** A user whose sessions ended (sign-out everywhere, a role change) and from when. */
export interface SessionsEnded {
  userId: string;
  sessionVersion: number;
  endedAt: string;
}
