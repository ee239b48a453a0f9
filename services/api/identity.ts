import type { IncomingMessage } from "node:http";
import type { Principal } from "../../platform/actions/access";
import { unauthorized, unavailable } from "../../platform/actions/errors";
import { verifyAccessToken } from "../../platform/actions/jwt";
import type { SessionFloors } from "./session-floors";

/** What telling a caller apart needs: the token secret, the ended sessions, the API keys. */
export interface IdentityDeps {
  jwtSecret: string;
  sessionFloors: SessionFloors;
  /** One try at loading the ended sessions, for a token that arrives before the first load. */
  loadEndedSessions(): Promise<void>;
  resolveApiKey(key: string): Promise<Principal | null>;
}

/**
 * The caller of a request: a bearer token (checked against the user's session floor) or an API
 * key, or nobody. A malformed or failed credential is a 401, never "nobody", and a token that
 * cannot be checked yet fails closed.
 */
export async function identify(
  deps: IdentityDeps,
  req: IncomingMessage,
): Promise<Principal | null> {
  const authorization = req.headers.authorization;
  const apiKey = req.headers["x-api-key"];
  if (authorization !== undefined) {
    const [scheme, token] = authorization.split(" ");
    if (scheme !== "Bearer" || !token) throw unauthorized("Malformed Authorization header");
    const subject = verifyAccessToken(token, deps.jwtSecret);
    if (!subject) throw unauthorized("Invalid or expired token");
    if (!deps.sessionFloors.loaded) await deps.loadEndedSessions().catch(() => undefined);
    if (!deps.sessionFloors.loaded)
      throw unavailable("Sign-in state is still loading; try again shortly");
    if (!deps.sessionFloors.accepts(subject))
      throw unauthorized("This session has ended; sign in again");
    return { id: subject.id, roles: subject.roles };
  }
  if (apiKey !== undefined) {
    const key = Array.isArray(apiKey) ? apiKey[0] : apiKey;
    const principal = await deps.resolveApiKey(key.slice(0, 200));
    if (!principal) throw unauthorized("Invalid API key");
    return principal;
  }
  return null;
}
