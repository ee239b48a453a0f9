import { randomBytes } from "node:crypto";
import type { SegmentRule } from "../../contracts/engagement";
import { conflict, ErrorType, invalid, notFound } from "../../platform/actions/errors";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import type { Repository } from "../../mixins/db.mixin";
import type { Profile } from "./profile-fold";
import { matches, ruleProblems } from "./segment-rules";

export interface SegmentDoc {
  id: string;
  name: string;
  rule: SegmentRule;
  createdAt: string;
  updatedAt: string;
}

/** A user in a segment (`<segmentId>:<userId>`): kept when they leave, as when they did. */
export interface MemberDoc {
  id: string;
  segmentId: string;
  userId: string;
  active: boolean;
  since: string;
  until?: string;
}

export type Segments = Repository<SegmentDoc>;
export type Members = Repository<MemberDoc>;

/** Every fold checks every segment: a shop holds at most this many. */
export const MAX_SEGMENTS = 200;

function checked(rule: unknown): SegmentRule {
  const problems = ruleProblems(rule);
  if (problems.length) throw invalid(problems, "The segment's rule cannot be used");
  return rule as SegmentRule;
}

export async function createSegment(
  segments: Segments,
  input: { name: string; rule: unknown },
): Promise<SegmentDoc> {
  const rule = checked(input.rule);
  // Counted by walking the key's index: the list is small by design, never the whole table.
  const held = await segments.find({ id: { $gt: "" } }, { sort: { id: 1 }, limit: MAX_SEGMENTS });
  if (held.length >= MAX_SEGMENTS)
    throw conflict(ErrorType.INVALID_STATE, `A shop holds at most ${MAX_SEGMENTS} segments`);
  const now = new Date().toISOString();
  const doc = {
    id: `seg_${randomBytes(8).toString("hex")}`,
    name: input.name,
    rule,
    createdAt: now,
    updatedAt: now,
  };
  return segments.insert(doc);
}

export async function updateSegment(
  segments: Segments,
  id: string,
  changes: { name?: string; rule?: unknown },
): Promise<SegmentDoc> {
  const $set: Partial<SegmentDoc> = { updatedAt: new Date().toISOString() };
  if (changes.rule !== undefined) $set.rule = checked(changes.rule);
  if (changes.name !== undefined) $set.name = changes.name;
  const updated = await segments.findOneAndUpdate({ id }, { $set });
  if (!updated) throw notFound("Segment");
  return updated;
}

/**
 * Puts a user in the segments their profile now matches and out of those it no longer does.
 * Answers the segments entered and left.
 */
export async function reconcile(
  members: Members,
  profile: Profile,
  segments: SegmentDoc[],
  now = new Date(),
): Promise<{ entered: string[]; left: string[] }> {
  const entered: string[] = [];
  const left: string[] = [];
  if (segments.length === 0) return { entered, left };
  const held = new Map((await members.find({ userId: profile.id })).map((m) => [m.segmentId, m]));
  const at = now.toISOString();
  for (const segment of segments) {
    const member = held.get(segment.id);
    const id = `${segment.id}:${profile.id}`;
    if (matches(segment.rule, profile, now)) {
      if (member?.active) continue;
      const joined = member
        ? await members.updateOne(
            { id, active: false },
            { $set: { active: true, since: at }, $unset: { until: true } },
          )
        : await insertIfAbsent(members, {
            id,
            segmentId: segment.id,
            userId: profile.id,
            active: true,
            since: at,
          });
      if (joined) entered.push(segment.id);
    } else if (member?.active) {
      if (await members.updateOne({ id, active: true }, { $set: { active: false, until: at } }))
        left.push(segment.id);
    }
  }
  return { entered, left };
}
