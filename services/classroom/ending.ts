import { Channel } from "../../contracts/channels";
import {
  PEOPLE_PER_PART,
  type LiveSessionEnded,
  type SessionPerson,
} from "../../contracts/classroom";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import type { IndexSpec, Repository } from "../../platform/data/repository";
import { withNewEvents, type OutboxDoc } from "../../platform/messaging/outbox";
import { toAttendee, type Attendance, type AttendanceDoc } from "./attendance";
import type { LiveSessionDoc, LiveSessions } from "./model";

/** One part of an ended session's summary, carrying its `classroom.session_ended` event. */
export interface SummaryDoc extends OutboxDoc {
  id: string;
  sessionId: string;
  part: number;
  createdAt: string;
}
export type Summaries = Repository<SummaryDoc>;
export const SUMMARY_INDEXES: IndexSpec[] = [{ fields: ["outboxPending"], range: "number" }];

const LEARNERS_PAGE = 1000;

/**
 * Marks a session ended, once: the first of its instructor's end and its closing time wins, and
 * the summary is then owed (`state: ended`). Answers whether this call ended it.
 */
export async function endSession(
  sessions: LiveSessions,
  sessionId: string,
  endedBy: LiveSessionEnded["endedBy"],
  endedAt = new Date().toISOString(),
): Promise<boolean> {
  const changed = await sessions.updateOne(
    { id: sessionId, state: "scheduled" },
    { $set: { state: "ended", endedAt, endedBy } },
  );
  return changed > 0;
}

/** Sessions past their closing time that nobody ended: they end by the schedule. */
export async function endDue(sessions: LiveSessions, now = new Date()): Promise<string[]> {
  const due = await sessions.find(
    { state: "scheduled", closesAt: { $lte: now.toISOString() } },
    { limit: 100 },
  );
  const ended: string[] = [];
  for (const session of due)
    if (await endSession(sessions, session.id, "schedule", session.closesAt))
      ended.push(session.id);
  return ended;
}

/**
 * Each person's part in a session: who led it, every learner who came, and every learner of
 * the course who did not (minutes 0, not attended).
 */
export function peopleOf(
  attendance: AttendanceDoc[],
  learners: string[],
  endedAt: string,
): SessionPerson[] {
  const people = new Map<string, SessionPerson>();
  for (const row of attendance) {
    const { seconds } = toAttendee(row, endedAt);
    people.set(row.userId, {
      userId: row.userId,
      role: row.role,
      minutes: Math.round(seconds / 60),
      attended: true,
    });
  }
  for (const userId of learners)
    if (!people.has(userId))
      people.set(userId, { userId, role: "learner", minutes: 0, attended: false });
  return [...people.values()];
}

/** The session's ended event, in parts small enough for one message each. */
export function summaryParts(
  session: LiveSessionDoc,
  people: SessionPerson[],
  enrolled: number,
): LiveSessionEnded[] {
  const attended = people.filter((p) => p.role === "learner" && p.attended).length;
  const parts = Math.max(1, Math.ceil(people.length / PEOPLE_PER_PART));
  return Array.from({ length: parts }, (_, part) => ({
    sessionId: session.id,
    courseId: session.courseId,
    title: session.title,
    startsAt: session.startsAt,
    endedAt: session.endedAt!,
    endedBy: session.endedBy ?? "schedule",
    attended,
    enrolled,
    part: part + 1,
    parts,
    people: people.slice(part * PEOPLE_PER_PART, (part + 1) * PEOPLE_PER_PART),
  }));
}

export interface SummaryDeps {
  sessions: LiveSessions;
  attendance: Attendance;
  summaries: Summaries;
  /** A page of the course's learners after `after`. */
  learnersOf(courseId: string, after: string | undefined, limit: number): Promise<string[]>;
}

/**
 * Writes the summary of every ended session that owes one, each part with its event (outbox),
 * then marks the session summarised. A node that dies midway leaves the session owing; the next
 * pass writes the parts again by id, and those already written are kept as they are.
 */
export async function summarizeEnded(deps: SummaryDeps): Promise<number> {
  const owing = await deps.sessions.find({ state: "ended" }, { limit: 20 });
  let told = 0;
  for (const session of owing) {
    const learners: string[] = [];
    for (let page: string[] = []; ;) {
      page = await deps.learnersOf(session.courseId, learners.at(-1), LEARNERS_PAGE);
      learners.push(...page);
      if (page.length < LEARNERS_PAGE) break;
    }
    const rows = await deps.attendance.find({ sessionId: session.id });
    const people = peopleOf(rows, learners, session.endedAt!);
    const now = new Date().toISOString();
    for (const data of summaryParts(session, people, learners.length)) {
      const written = await insertIfAbsent(deps.summaries, {
        id: `${session.id}:${data.part}`,
        sessionId: session.id,
        part: data.part,
        createdAt: now,
        ...withNewEvents([{ type: Channel.CLASSROOM_SESSION_ENDED, data }]),
      });
      if (written) told++;
    }
    await deps.sessions.updateOne(
      { id: session.id, state: "ended" },
      { $set: { state: "summarized" } },
    );
  }
  return told;
}
