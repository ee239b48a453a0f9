import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Webhook targets on loopback or private networks would let an admin account probe the
 * inside of the cluster (SSRF); they are refused unless WEBHOOK_ALLOW_PRIVATE is set.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const mapped = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  const family = isIP(mapped);
  if (family === 0) return true;
  return PRIVATE.check(mapped, family === 6 ? "ipv6" : "ipv4");
}

export type TargetProblem = "scheme" | "credentials" | "private" | "unresolvable" | null;

/** Why this URL may not receive webhooks, or null. Names are resolved now, every time. */
export async function targetProblem(url: string, allowPrivate: boolean): Promise<TargetProblem> {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "scheme";
  if (parsed.username || parsed.password) return "credentials";
  if (allowPrivate) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return "unresolvable";
  }
  return addresses.some(isPrivateAddress) ? "private" : null;
}
