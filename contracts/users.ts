/** Accounts as other services see them. Types and constants only. */

/**
 * An instructor manages their own courses; `support` reads customers' orders; `finance` makes
 * large refunds (policies/shipped); an admin grants every role.
 */
export const ROLES = ["customer", "instructor", "support", "finance", "admin"] as const;
export type Role = (typeof ROLES)[number];

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
