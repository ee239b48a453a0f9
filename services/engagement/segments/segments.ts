import { randomBytes } from "node:crypto";
import type { SegmentRule } from "../../../contracts/engagement";
import { conflict, ErrorType, invalid, notFound } from "../../../platform/actions/errors";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import type { Repository } from "../../../platform/data/repository";
import type { Profile } from "../profiles/profile-fold";
import { matches, ruleProblems } from "./segment-rules";
import { Channel } from "../../../contracts/channels";
import { withEvents, withNewEvents, type OutboxDoc } from "../../../platform/messaging/outbox";

export interface SegmentDoc {
  id: string;
  name: string;
  rule: SegmentRule;
  createdAt: string;
  updatedAt: string;
}

/**
 * A user in a segment (`<segmentId>:<userId>`): kept when they leave, as when they did. Each
 * move writes its event in the same update (the outbox, architecture §5.5).
 */
export interface MemberDoc extends OutboxDoc {
  id: string;
  segmentId: string;
  userId: string;
  active: boolean;
  since: string;
  until?: string;
}

export type Segments = Repository<SegmentDoc>;
export type Members = Repository<MemberDoc>;

export const MEMBER_INDEXES = [
  { fields: ["userId"] },
  { fields: ["segmentId", "active"] },
  { fields: ["outboxPending"], range: "number" as const },
];

/**
 * The events of a member's earlier moves that were told already: each move forgets them, so a
 * user who comes and goes keeps a document of one or two events, not of every move.
 */
const alreadyTold = (member: MemberDoc): Record<string, true> =>
  Object.fromEntries(
    Object.entries(member.outbox ?? {})
      .filter(([, event]) => event.sentAt)
      .map(([id]) => [`outbox.${id}`, true as const]),
  );

const moved = (
  type: typeof Channel.ENGAGEMENT_SEGMENT_ENTERED | typeof Channel.ENGAGEMENT_SEGMENT_LEFT,
  segmentId: string,
  userId: string,
  at: string,
) => [{ type, data: { segmentId, userId, at } }];

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
  /** The user's member rows, when the caller read them already (with other users'). */
  known?: MemberDoc[],
): Promise<{ entered: string[]; left: string[] }> {
  const entered: string[] = [];
  const left: string[] = [];
  if (segments.length === 0) return { entered, left };
  const rows = known ?? (await members.find({ userId: profile.id }));
  const held = new Map(rows.map((m) => [m.segmentId, m]));
  const at = now.toISOString();
  for (const segment of segments) {
    const member = held.get(segment.id);
    const id = `${segment.id}:${profile.id}`;
    if (matches(segment.rule, profile, now)) {
      if (member?.active) continue;
      const told = moved(Channel.ENGAGEMENT_SEGMENT_ENTERED, segment.id, profile.id, at);
      const joined = member
        ? await members.updateOne(
            { id, active: false },
            withEvents(
              {
                $set: { active: true, since: at },
                $unset: { until: true, ...alreadyTold(member) },
              },
              told,
            ),
          )
        : await insertIfAbsent(members, {
            id,
            segmentId: segment.id,
            userId: profile.id,
            active: true,
            since: at,
            ...withNewEvents(told),
          });
      if (joined) entered.push(segment.id);
    } else if (member?.active) {
      const told = moved(Channel.ENGAGEMENT_SEGMENT_LEFT, segment.id, profile.id, at);
      const forget = alreadyTold(member);
      const update = withEvents(
        Object.keys(forget).length
          ? { $set: { active: false, until: at }, $unset: forget }
          : { $set: { active: false, until: at } },
        told,
      );
      if (await members.updateOne({ id, active: true }, update)) left.push(segment.id);
    }
  }
  return { entered, left };
}
