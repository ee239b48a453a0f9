import { createHash } from "node:crypto";
import type { FlagDefinition, FlagKind, FlagRule, FlagValue } from "../../contracts/flags";
export type { FlagDefinition, FlagKind, FlagRule, FlagValue };

/** Who a flag is asked about. */
export interface FlagSubject {
  userId?: string;
  roles?: string[];
  country?: string;
}

export type EvaluationReason = "DISABLED" | "TARGETING_MATCH" | "SPLIT" | "DEFAULT";

export interface Evaluation {
  value: FlagValue;
  reason: EvaluationReason;
  /** Which rule matched, when one did. */
  rule?: number;
}

export const BUCKETS = 10_000;

/**
 * A user's place among 10,000 for one flag: a stable hash of the flag and the user, so a
 * rollout keeps the same users as it grows, on every node and after every restart, and two
 * flags at 10 % do not pick the same 10 %.
 */
export function bucketOf(flagKey: string, userId: string): number {
  return createHash("sha256").update(`${flagKey}\n${userId}`).digest().readUInt32BE(0) % BUCKETS;
}

function matches(rule: FlagRule, subject: FlagSubject): boolean {
  if (rule.attribute === "role") return (subject.roles ?? []).some((r) => rule.in.includes(r));
  if (rule.attribute === "country")
    return subject.country !== undefined && rule.in.includes(subject.country);
  return subject.userId !== undefined && rule.in.includes(subject.userId);
}

/** What a flag serves a subject, and why. */
export function evaluate(flag: FlagDefinition, subject: FlagSubject): Evaluation {
  if (!flag.enabled) return { value: flag.default, reason: "DISABLED" };
  const rule = flag.rules.findIndex((r) => matches(r, subject));
  if (rule >= 0) return { value: flag.rules[rule].serve, reason: "TARGETING_MATCH", rule };
  const rollout = flag.rollout;
  if (rollout && subject.userId !== undefined)
    if (bucketOf(flag.key, subject.userId) < Math.round(rollout.percent * (BUCKETS / 100)))
      return { value: rollout.serve, reason: "SPLIT" };
  return { value: flag.default, reason: "DEFAULT" };
}

export const kindOf = (value: FlagValue): FlagKind =>
  typeof value === "object" ? "object" : (typeof value as FlagKind);
