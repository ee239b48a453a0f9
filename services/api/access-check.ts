import type { BlockList } from "node:net";
import type { Access, Principal } from "../../platform/actions/access";
import { forbidden, unauthorized } from "../../platform/actions/errors";

/** What the gateway knows of the published action a request is routed to. */
export interface ActionAccess {
  access?: Access;
  sessionOnly?: boolean;
  scope?: string;
}

const KNOWN_ACCESS = new Set<string>(["public", "user", "admin"]);

/**
 * Whether this caller may call this action over HTTP; throws the 401 or 403 otherwise.
 * Ownership of a resource is the owning service's check, not this one. A public action is open
 * to anyone without credentials; with an API key, the key must hold the scope it needs.
 */
export function assertAllowed(
  action: ActionAccess,
  caller: Principal | null,
  method: string,
  ip: string,
  adminAllowlist?: BlockList,
): void {
  const access = action.access ?? "user";
  // An access level this check does not know (a typo) is closed to everyone, never "user".
  if (!KNOWN_ACCESS.has(access)) throw forbidden();
  if (!caller) {
    if (access === "public") return;
    throw unauthorized();
  }
  if (access === "admin") {
    if (!caller.roles.includes("admin")) throw forbidden("Admins only");
    if (adminAllowlist && !adminAllowlist.check(ip, ip.includes(":") ? "ipv6" : "ipv4"))
      throw forbidden("Admin routes are not allowed from this address");
  }
  // A key's scopes bound everything it does, public reads too: a public action answers by its
  // caller (an author sees their draft), so a key without `read` is refused, not let through.
  if (caller.apiKeyId === undefined) return;
  if (action.sessionOnly && access !== "public")
    throw forbidden("This needs a signed-in session, not an API key");
  const needed = action.scope ?? (method === "GET" || method === "HEAD" ? "read" : "write");
  const scopes = caller.scopes ?? [];
  if (!scopes.includes(needed)) throw forbidden(`This API key lacks the '${needed}' scope`);
  if (access === "admin" && !scopes.includes("admin"))
    throw forbidden("This API key lacks the 'admin' scope");
}
