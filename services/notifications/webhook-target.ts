import type { LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Webhook targets on loopback or private networks would let an admin account probe the
 * inside of the cluster (SSRF); they are refused unless WEBHOOK_ALLOW_PRIVATE is set.
 */
// Two lists: Node's BlockList matches an IPv4 address against IPv6 rules in its mapped form too,
// and the IPv6 list refuses every mapped address.
const PRIVATE_V4 = new BlockList();
const PRIVATE_V6 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  // Reserved ("class E") and the broadcast address.
  ["240.0.0.0", 4],
] as const)
  PRIVATE_V4.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) in any spelling.
  ["::", 96],
  ["::ffff:0:0", 96],
  // Prefixes that carry an IPv4 address to a translator: NAT64 (well-known and local), 6to4,
  // Teredo. The IPv4 inside may be anything, so none of them is a safe target.
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16],
  ["2001::", 32],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE_V6.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 6 ? PRIVATE_V6.check(address, "ipv6") : PRIVATE_V4.check(address, "ipv4");
}

export type TargetProblem = "url" | "scheme" | "credentials" | "private" | "unresolvable";

export type Resolve = (host: string) => Promise<LookupAddress[]>;
const systemResolve: Resolve = (host) => lookup(host, { all: true });

/**
 * A target that passed: its URL and the addresses it was vetted at. A delivery connects to these
 * very addresses, never to a second lookup of the name, so a name that answers a public address
 * to the check and a private one to the connection (DNS rebinding) reaches nothing inside.
 */
export interface VettedTarget {
  url: URL;
  addresses: LookupAddress[];
}

/** The target, resolved now, or why this URL may not receive webhooks. */
export async function vetTarget(
  url: string,
  allowPrivate: boolean,
  resolve: Resolve = systemResolve,
): Promise<VettedTarget | TargetProblem> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "url";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "scheme";
  if (parsed.username || parsed.password) return "credentials";
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  let addresses: LookupAddress[];
  try {
    const family = isIP(host);
    addresses = family ? [{ address: host, family }] : await resolve(host);
  } catch {
    return "unresolvable";
  }
  if (addresses.length === 0) return "unresolvable";
  if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) return "private";
  return { url: parsed, addresses };
}

export function isProblem(vetted: VettedTarget | TargetProblem): vetted is TargetProblem {
  return typeof vetted === "string";
}
