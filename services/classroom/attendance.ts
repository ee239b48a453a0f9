import type { Participant, SequencedEvent } from "../../contracts/classroom";
import type { IndexSpec, Repository } from "../../platform/data/repository";
import { dateTime, integer, object, oneOf, string } from "../../platform/actions/openapi";

/** One participant's time in one session. Id `<sessionId>:<userId>`. */
export interface AttendanceDoc {
  id: string;
  sessionId: string;
  userId: string;
  name: string;
  role: Participant["role"];
  /** When their current stay began; none while they are away. */
  since?: string;
  seconds: number;
  joins: number;
  firstJoinedAt: string;
  lastLeftAt?: string;
  /** Moderation outlives the room's memory: a room opened again still keeps them out or quiet. */
  removed?: boolean;
  muted?: boolean;
}
export type Attendance = Repository<AttendanceDoc>;

export const ATTENDANCE_INDEXES: IndexSpec[] = [{ fields: ["sessionId", "firstJoinedAt"] }];

export const ATTENDANCE_SHAPE = object(
  {
    userId: string,
    name: string,
    role: oneOf(["instructor", "learner"]),
    seconds: integer,
    joins: integer,
    firstJoinedAt: dateTime,
    lastLeftAt: dateTime,
    present: { type: "boolean" },
  },
  ["lastLeftAt"],
  "Attendee",
);

const secondsBetween = (from: string, to: string) =>
  Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/**
 * Keeps the room's comings and goings: a join opens a stay, a leave or removal closes it and
 * adds its length, the end closes every open stay. Writes are durable, so a restart of the
 * room's node loses no time already spent.
 */
export async function recordAttendance(
  attendance: Attendance,
  sessionId: string,
  events: SequencedEvent[],
): Promise<void> {
  for (const event of events) {
    if (event.type === "joined") {
      const { userId, name, role } = event.participant;
      const id = `${sessionId}:${userId}`;
      const held = await attendance.findById(id);
      if (!held)
        await attendance.insert({
          id,
          sessionId,
          userId,
          name,
          role,
          since: event.at,
          seconds: 0,
          joins: 1,
          firstJoinedAt: event.at,
        });
      else await attendance.updateOne({ id }, { $set: { since: event.at }, $inc: { joins: 1 } });
    } else if (event.type === "left" || event.type === "removed") {
      await closeStay(attendance, `${sessionId}:${event.userId}`, event.at);
      if (event.type === "removed")
        await attendance.updateOne(
          { id: `${sessionId}:${event.userId}` },
          { $set: { removed: true } },
        );
    } else if (event.type === "muted") {
      await attendance.updateOne(
        { id: `${sessionId}:${event.userId}` },
        { $set: { muted: event.muted } },
      );
    } else if (event.type === "ended") {
      for (const held of await attendance.find({ sessionId }))
        if (held.since) await closeStay(attendance, held.id, event.at);
    }
  }
}

async function closeStay(attendance: Attendance, id: string, at: string): Promise<void> {
  const held = await attendance.findById(id);
  if (!held?.since) return;
  await attendance.updateOne(
    { id, since: held.since },
    {
      $set: { lastLeftAt: at },
      $unset: { since: true },
      $inc: { seconds: secondsBetween(held.since, at) },
    },
  );
}

/** Each participant's total time, counting a stay still open up to now. */
export const toAttendee = (doc: AttendanceDoc, now = new Date().toISOString()) => ({
  userId: doc.userId,
  name: doc.name,
  role: doc.role,
  seconds: doc.seconds + (doc.since ? secondsBetween(doc.since, now) : 0),
  joins: doc.joins,
  firstJoinedAt: doc.firstJoinedAt,
  ...(doc.lastLeftAt ? { lastLeftAt: doc.lastLeftAt } : {}),
  present: doc.since !== undefined,
});
