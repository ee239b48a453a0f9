import { BlockList, isIP } from "node:net";
import {
  integer,
  SettingsError,
  text,
  type Env,
  type ServiceSettings,
} from "../../platform/runtime/env-settings";

export interface ApiSettings {
  rateLimitAuth: number;
  rateLimitApi: number;
  adminIpAllowlist?: BlockList;
  trustProxyHops: number;
  corsOrigins: string[];
  gatewayMaxInFlight: number;
  /** One client address may hold at most this many requests in flight (slow bodies included). */
  gatewayMaxInFlightPerClient: number;
  /** Product reads a gateway node answers itself, held ready to send (0: none). */
  gatewayReadyAnswers: number;
  /** Live-classroom sockets one gateway node holds. */
  classroomSocketsPerNode: number;
  /** Live-classroom sockets one client address holds on one node. */
  classroomSocketsPerAddress: number;
  /** How often a live-classroom socket is pinged; one unanswered ping closes it. */
  classroomPingMs: number;
  /** Unsent output past which a live-classroom socket is a reader too slow to keep. */
  classroomMaxBufferedBytes: number;
  /** A request's headers must all arrive within this long. */
  gatewayHeadersTimeoutMs: number;
  /** A request, headers and body, must all arrive within this long. */
  gatewayRequestTimeoutMs: number;
}

function ipAllowlist(env: Env): BlockList | undefined {
  const raw = text(env, "ADMIN_IP_ALLOWLIST");
  if (raw === undefined) return undefined;
  const list = new BlockList();
  for (const entry of raw.split(",").map((e) => e.trim())) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address);
    if (family === 0) throw new SettingsError("ADMIN_IP_ALLOWLIST", `"${entry}" is not an IP`);
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))
        throw new SettingsError("ADMIN_IP_ALLOWLIST", `"${entry}" has a bad prefix length`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

/** What only the gateway reads from the environment. */
export const apiSettings: ServiceSettings<ApiSettings> = {
  read: (env) => ({
    rateLimitAuth: integer(env, "RATE_LIMIT_AUTH", 20, 1, 1_000_000),
    rateLimitApi: integer(env, "RATE_LIMIT_API", 1200, 1, 10_000_000),
    adminIpAllowlist: ipAllowlist(env),
    trustProxyHops: integer(env, "TRUST_PROXY_HOPS", 0, 0, 10),
    corsOrigins: (text(env, "CORS_ORIGINS") ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    gatewayMaxInFlight: integer(env, "GATEWAY_MAX_IN_FLIGHT", 1000, 1, 1_000_000),
    gatewayMaxInFlightPerClient: integer(env, "GATEWAY_MAX_IN_FLIGHT_PER_CLIENT", 50, 1, 1_000_000),
    gatewayReadyAnswers: integer(env, "GATEWAY_READY_ANSWERS", 10_000, 0, 1_000_000),
    classroomSocketsPerNode: integer(env, "CLASSROOM_SOCKETS_PER_NODE", 10_000, 1, 1_000_000),
    classroomSocketsPerAddress: integer(env, "CLASSROOM_SOCKETS_PER_ADDRESS", 200, 1, 1_000_000),
    classroomPingMs: integer(env, "CLASSROOM_PING_SECONDS", 30, 1, 600) * 1000,
    classroomMaxBufferedBytes: integer(env, "CLASSROOM_MAX_BUFFERED_KB", 1024, 16, 65_536) * 1024,
    gatewayHeadersTimeoutMs: integer(env, "GATEWAY_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    gatewayRequestTimeoutMs: integer(env, "GATEWAY_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
  }),
  docs: [
    {
      variables: ["RATE_LIMIT_AUTH"],
      embedded: "20",
      meaning: "requests a minute per client address on `/api/v1/auth/*`",
    },
    {
      variables: ["RATE_LIMIT_API"],
      embedded: "1200",
      meaning: "requests a minute per user, API key or address elsewhere",
    },
    {
      variables: ["TRUST_PROXY_HOPS"],
      embedded: "0",
      meaning: "proxies in front whose `X-Forwarded-For` entries are trusted",
    },
    {
      variables: ["ADMIN_IP_ALLOWLIST"],
      embedded: "unset: any address",
      meaning: "IPs and CIDRs allowed on admin routes",
    },
    {
      variables: ["CORS_ORIGINS"],
      embedded: "none",
      meaning: "comma list of allowed browser origins (`*` for any)",
    },
    {
      variables: ["GATEWAY_MAX_IN_FLIGHT"],
      embedded: "1000",
      meaning: "requests a gateway holds at once; past it, 503",
    },
    {
      variables: ["GATEWAY_MAX_IN_FLIGHT_PER_CLIENT"],
      embedded: "50",
      meaning: "requests one client address holds at once (slow bodies too); past it, 429",
    },
    {
      variables: ["GATEWAY_READY_ANSWERS"],
      embedded: "10000",
      meaning: "product reads a gateway answers from the answer it holds (0: every read is routed)",
    },
    {
      variables: ["CLASSROOM_SOCKETS_PER_NODE"],
      embedded: "10000",
      meaning:
        "live-classroom sockets one gateway node holds; past it, close 4503 (try another node)",
    },
    {
      variables: ["CLASSROOM_SOCKETS_PER_ADDRESS"],
      embedded: "200",
      meaning:
        "live-classroom sockets one client address holds on one node (a school behind one address needs room); past it, 429 at the handshake",
    },
    {
      variables: ["CLASSROOM_MAX_BUFFERED_KB"],
      embedded: "1024",
      meaning:
        "unsent output past which a live-classroom socket is a reader too slow to keep: closed 4408, the others never wait for it",
    },
    {
      variables: ["CLASSROOM_PING_SECONDS"],
      embedded: "30",
      meaning:
        "how often a live-classroom socket is pinged; a socket that left the last ping unanswered is closed (a half-open connection)",
    },
    {
      variables: ["GATEWAY_HEADERS_TIMEOUT_MS"],
      embedded: "10000",
      meaning: "a request's headers must arrive by then, or 408",
    },
    {
      variables: ["GATEWAY_REQUEST_TIMEOUT_MS"],
      embedded: "30000",
      meaning: "a request's headers and body must arrive by then, or 408",
    },
  ],
};
