import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Role } from "../../contracts/users";
export type { Role };

/**
 * Access tokens: issued by `users`, checked by every gateway without a network hop. The
 * algorithm is pinned so a token cannot choose how it is verified ("none", RS/HS confusion).
 */
const ALGORITHM = "HS256";
const ISSUER = "bazaar";
const AUDIENCE = "bazaar-api";

export interface TokenSubject {
  id: string;
  roles: Role[];
  /** The user's session version when the token was issued; a later one ends this token. */
  sessionVersion?: number;
  /** When the token stops being taken, in epoch seconds. */
  expiresAt?: number;
}

export function signAccessToken(subject: TokenSubject, secret: string, ttlSeconds: number): string {
  return jwt.sign({ roles: subject.roles, sv: subject.sessionVersion ?? 0 }, secret, {
    algorithm: ALGORITHM,
    subject: subject.id,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: ttlSeconds,
  });
}

/**
 * jsonwebtoken builds a key object from a string secret on every call: 9 % of a checkout's
 * CPU, measured. Build it once a secret.
 */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, "utf8"))));
  return key;
}

/** The token's subject, or null for anything not issued by us, expired or malformed. */
export function verifyAccessToken(token: string, secret: string): TokenSubject | null {
  try {
    const claims = jwt.verify(token, keyOf(secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    if (typeof claims !== "object" || typeof claims.sub !== "string") return null;
    const roles = Array.isArray(claims.roles) ? (claims.roles as Role[]) : [];
    const sessionVersion = typeof claims.sv === "number" ? claims.sv : 0;
    const expiresAt = typeof claims.exp === "number" ? claims.exp : undefined;
    return { id: claims.sub, roles, sessionVersion, ...(expiresAt ? { expiresAt } : {}) };
  } catch {
    return null;
  }
}
