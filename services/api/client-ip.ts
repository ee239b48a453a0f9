import type { IncomingMessage } from "node:http";

/**
 * The caller's address. Behind `hops` trusted proxies, each appends the address it saw to
 * X-Forwarded-For, so the client is the entry that many places from the right; anything
 * further left was written by the client and proves nothing.
 */
export function clientIp(req: IncomingMessage, hops: number): string {
  const socketAddress = normalize(req.socket.remoteAddress ?? "unknown");
  if (hops === 0) return socketAddress;
  const header = req.headers["x-forwarded-for"];
  const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  const entry = chain[chain.length - hops];
  return entry ? normalize(entry) : socketAddress;
}

function normalize(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
