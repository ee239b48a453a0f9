import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import type { ServiceBroker } from "moleculer";
import { EVENT_VERSIONS, type EventName } from "../../contracts/channels";
import { countMetric, PlatformMetric } from "../observability/metrics";

/**
 * Every channel message carries the version of its payload's schema, and is checked against
 * it when it is made: a payload its schema refuses is a bug in the service that made it, so it
 * throws (a test fails on it); in production (NODE_ENV=production) it is counted and sent.
 */

const EVENTS_DIR = path.join(__dirname, "..", "..", "contracts", "events");
const FILE = /^([a-z_.]+)\.v(\d+)\.json$/;

const ajv = new Ajv({ strict: false, allErrors: false });
const validators = new Map<string, ValidateFunction>();
for (const file of readdirSync(EVENTS_DIR)) {
  const match = FILE.exec(file);
  if (match)
    validators.set(
      `${match[1]}@${match[2]}`,
      ajv.compile(JSON.parse(readFileSync(path.join(EVENTS_DIR, file), "utf8"))),
    );
}

/** The version a channel's messages are published at now (1 for a name no contract knows). */
export function currentVersion(type: string): number {
  return Object.hasOwn(EVENT_VERSIONS, type) ? EVENT_VERSIONS[type as EventName] : 1;
}

/** The versions of a channel whose schemas are published. */
export function publishedVersions(type: string): number[] {
  return [...validators.keys()]
    .filter((key) => key.startsWith(`${type}@`))
    .map((key) => Number(key.slice(type.length + 1)))
    .sort((a, b) => a - b);
}

/** What the schema of `type` at `version` finds wrong with `data`: nothing when it is right. */
export function eventProblems(type: string, version: number, data: unknown): string[] {
  const validate = validators.get(`${type}@${version}`);
  if (!validate) return [`no schema for ${type} v${version}`];
  if (validate(data)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`,
  );
}

const strict = () => process.env.NODE_ENV !== "production";

/** Throws, outside production, when a payload breaks its schema: a bug, found where it is made. */
export function assertEvent(type: string, version: number, data: unknown): void {
  if (!strict()) return;
  const problems = eventProblems(type, version, data);
  if (problems.length)
    throw new Error(
      `${type} v${version} does not match its schema: ${problems.slice(0, 5).join("; ")}`,
    );
}

/** In production, counts (and says) a message its schema refuses, as it is sent. */
export function countInvalidEvent(
  broker: ServiceBroker,
  message: { type: string; version?: number; data: unknown },
): void {
  if (strict()) return;
  const problems = eventProblems(message.type, message.version ?? 1, message.data);
  if (!problems.length) return;
  countMetric(broker, PlatformMetric.EVENT_SCHEMA_VIOLATIONS, { channel: message.type });
  broker.logger.error(
    `${message.type} v${message.version ?? 1} breaks its schema:`,
    problems.join("; "),
  );
}

/** Raises a payload of `from` to `from + 1`; `ts` is the message's, for a field it lacked. */
export type Upcaster = (
  data: Record<string, unknown>,
  message: { ts: string },
) => Record<string, unknown>;
export type Upcasters = Partial<Record<string, Record<number, Upcaster>>>;

/**
 * A message as its consumer expects it: at its channel's current version. A message without a
 * version predates versions and is version 1. One newer than this node knows is refused (its
 * consumers must be upgraded before its producers).
 */
export function upcastMessage<
  M extends { type: string; version?: number; ts: string; data: unknown },
>(message: M, upcasters: Upcasters): M & { version: number } {
  const target = currentVersion(message.type);
  let version = message.version ?? 1;
  if (version > target)
    throw new Error(`${message.type} v${version} is newer than this node reads (v${target})`);
  // Almost every message is current: it is handed on as it came, nothing copied.
  if (message.version === target) return message as M & { version: number };
  let data = message.data as Record<string, unknown>;
  for (; version < target; version++) {
    const raise = upcasters[message.type]?.[version];
    if (!raise) throw new Error(`no upcaster from ${message.type} v${version}`);
    data = raise(data, message);
  }
  return { ...message, version, data };
}
