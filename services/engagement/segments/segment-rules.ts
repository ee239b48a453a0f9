import {
  COMPARISONS,
  SegmentTrait,
  type SegmentCondition,
  type SegmentRule,
} from "../../../contracts/engagement";
import type { FieldProblem } from "../../../platform/actions/errors";
import { VIEW_DAYS, viewsIn, type Profile } from "../profiles/profile-fold";

export const MAX_CONDITIONS = 10;
const DAY_MS = 86_400_000;
const TRAITS: readonly string[] = Object.values(SegmentTrait);
/** The fields each trait takes beside `trait`, `op` and `value`. */
const FIELDS_OF: Record<SegmentTrait, ("category" | "currency" | "days")[]> = {
  views: ["category", "days"],
  purchases: [],
  cartAdds: [],
  sessions: [],
  spent: ["currency"],
  daysSinceLastSeen: [],
  daysSinceLastPurchase: [],
  stalledCourses: ["days"],
  missedLastLiveSession: [],
  liveSessionsMissed: [],
};
/** Ten conditions with their fields take about a kilobyte; this leaves room, not a flood. */
export const MAX_RULE_BYTES = 8192;
const MAX_DAYS: Partial<Record<SegmentTrait, number>> = { views: VIEW_DAYS, stalledCourses: 365 };

/**
 * Every problem of a rule, each naming its place (`conditions[1].category`), so an admin sees
 * what to mend. An empty list is a rule that can be saved.
 */
export function ruleProblems(rule: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ field, message, type: "segmentRule" });
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) {
    problem("rule", "must be an object with match and conditions");
    return problems;
  }
  // Measured before it is walked: a rule of 50,000 unknown keys is one problem, not 50,000.
  const size = Buffer.byteLength(JSON.stringify(rule));
  if (size > MAX_RULE_BYTES) {
    problem("rule", `is ${size} bytes; a rule may have at most ${MAX_RULE_BYTES}`);
    return problems;
  }
  const { match, conditions, ...rest } = rule as Record<string, unknown>;
  for (const extra of Object.keys(rest))
    problem(`rule.${extra}`.slice(0, 80), "is not a rule field");
  if (match !== "all" && match !== "any") problem("rule.match", "must be all or any");
  if (!Array.isArray(conditions) || conditions.length === 0 || conditions.length > MAX_CONDITIONS) {
    problem("rule.conditions", `must hold 1 to ${MAX_CONDITIONS} conditions`);
    return problems;
  }
  conditions.forEach((condition, i) =>
    conditionProblems(condition, `rule.conditions[${i}]`, problem),
  );
  return problems;
}

function conditionProblems(
  condition: unknown,
  at: string,
  problem: (field: string, message: string) => void,
): void {
  if (typeof condition !== "object" || condition === null || Array.isArray(condition))
    return problem(at, "must be an object");
  const c = condition as Record<string, unknown>;
  if (typeof c.trait !== "string" || !TRAITS.includes(c.trait))
    return problem(`${at}.trait`, `must be one of ${TRAITS.join(", ")}`);
  const trait = c.trait as SegmentTrait;
  if (!(COMPARISONS as readonly unknown[]).includes(c.op))
    problem(`${at}.op`, `must be one of ${COMPARISONS.join(", ")}`);
  if (typeof c.value !== "number" || !Number.isFinite(c.value) || c.value < 0 || c.value > 1e12)
    problem(`${at}.value`, "must be a number from 0 to 10^12");
  const wanted = FIELDS_OF[trait];
  for (const field of Object.keys(c))
    if (!["trait", "op", "value", ...wanted].includes(field))
      problem(`${at}.${field}`.slice(0, 80), `is not used by ${trait}`);
  if (
    wanted.includes("category") &&
    !(typeof c.category === "string" && c.category.length >= 1 && c.category.length <= 64)
  )
    problem(`${at}.category`, `is required for ${trait}: 1 to 64 characters`);
  if (
    wanted.includes("currency") &&
    !(typeof c.currency === "string" && /^[A-Z]{3}$/.test(c.currency))
  )
    problem(`${at}.currency`, `is required for ${trait}: a currency code such as USD`);
  const maxDays = MAX_DAYS[trait];
  if (
    wanted.includes("days") &&
    !(Number.isInteger(c.days) && (c.days as number) >= 1 && (c.days as number) <= maxDays!)
  )
    problem(`${at}.days`, `is required for ${trait}: a whole number from 1 to ${maxDays}`);
}

const daysSince = (at: string | undefined, now: Date) =>
  at === undefined ? Number.POSITIVE_INFINITY : (now.getTime() - Date.parse(at)) / DAY_MS;

/** What a condition reads of the profile now. */
export function traitValue(condition: SegmentCondition, profile: Profile, now: Date): number {
  switch (condition.trait) {
    case SegmentTrait.VIEWS:
      return viewsIn(profile, condition.category!, condition.days!, now);
    case SegmentTrait.PURCHASES:
      return profile.purchases;
    case SegmentTrait.CART_ADDS:
      return profile.cartAdds;
    case SegmentTrait.SESSIONS:
      return profile.sessions;
    case SegmentTrait.SPENT:
      return Object.hasOwn(profile.spent, condition.currency!)
        ? profile.spent[condition.currency!]
        : 0;
    case SegmentTrait.DAYS_SINCE_LAST_SEEN:
      return daysSince(profile.lastSeenAt, now);
    case SegmentTrait.DAYS_SINCE_LAST_PURCHASE:
      return daysSince(profile.lastPurchaseAt, now);
    case SegmentTrait.STALLED_COURSES:
      return Object.values(profile.courses).filter(
        (c) => !c.completed && daysSince(c.lastActivityAt, now) >= condition.days!,
      ).length;
    case SegmentTrait.MISSED_LAST_LIVE_SESSION:
      return Object.values(profile.courses).filter((c) => c.missedLastLiveSession === true).length;
    case SegmentTrait.LIVE_SESSIONS_MISSED:
      return Object.values(profile.courses).reduce((n, c) => n + (c.liveSessionsMissed ?? 0), 0);
  }
}

function holds(condition: SegmentCondition, profile: Profile, now: Date): boolean {
  const value = traitValue(condition, profile, now);
  if (condition.op === "gte") return value >= condition.value;
  if (condition.op === "lte") return value <= condition.value;
  return value === condition.value;
}

/** Whether a profile is in the segment now. */
export function matches(rule: SegmentRule, profile: Profile, now: Date): boolean {
  const each = (c: SegmentCondition) => holds(c, profile, now);
  return rule.match === "all" ? rule.conditions.every(each) : rule.conditions.some(each);
}
