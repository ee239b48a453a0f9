import type { PolicyCase, PolicyQuery, PolicyVersion } from "../../contracts/policies";
import { decideOnce, PolicyEngine, type PolicyText } from "../../platform/policy/policy-engine";

/**
 * The rules of a change to the active set, checked before it is made: the set still validates,
 * every active policy's test cases still pass against it, and the admin making the change
 * could still make the next one.
 */

export interface ActivationVerdict {
  invalid: string[];
  failedCases: string[];
  /** The lock-out questions the new set would refuse. */
  lockedOut: string[];
}

/**
 * One engine a schema for judging candidates, prepared once a judgement: asking Cedar each case
 * with the set as text parsed the whole set again every time (a second for 100 policies and
 * their cases, the service's event loop held). Judging is synchronous, so one engine serves.
 */
const judges = new Map<string, PolicyEngine>();
function judgeFor(schema: string): PolicyEngine {
  let judge = judges.get(schema);
  if (!judge) judges.set(schema, (judge = new PolicyEngine(schema, 0)));
  return judge;
}

export function judgeActivation(
  schema: string,
  candidate: PolicyVersion[],
  lockout: PolicyQuery[],
): ActivationVerdict {
  const judge = judgeFor(schema);
  const invalid = judge.load(
    candidate.map(({ id, text }) => ({ id, text })),
    0,
  );
  if (invalid.length) return { invalid, failedCases: [], lockedOut: [] };
  const failedCases = candidate.flatMap((policy) =>
    policy.cases
      .map((test) => ({ test, got: judge.decide(test) }))
      .filter(({ test, got }) => got.decision !== test.expect)
      .map(
        ({ test, got }) =>
          `${policy.id} v${policy.version}, "${test.name}": expected ${test.expect}, got ${got.decision}` +
          (got.reasons.length ? ` (by ${got.reasons.join(", ")})` : ""),
      ),
  );
  const lockedOut = lockout
    .filter((query) => judge.decide(query).decision !== "allow")
    .map((query) => query.resource.id);
  return { invalid, failedCases, lockedOut };
}

/** A new version's own cases, asked against its own text: those that do not fit the schema. */
export function malformedCases(schema: string, text: PolicyText, cases: PolicyCase[]): string[] {
  return cases.flatMap((test) => {
    const got = decideOnce(schema, [text], test);
    return got.malformed ? [`"${test.name}": ${got.errors.join("; ")}`] : [];
  });
}

/** The set after activating `chosen` (or, when null, taking `id` out). */
export function candidateSet(
  active: PolicyVersion[],
  id: string,
  chosen: PolicyVersion | null,
): PolicyVersion[] {
  const others = active.filter((p) => p.id !== id);
  return chosen ? [...others, chosen] : others;
}
