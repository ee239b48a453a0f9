import { newId } from "../../platform/actions/ids";
import { ClassroomError } from "../../contracts/classroom";
import type { Principal } from "../../contracts/users";
import { isAdmin } from "../../platform/actions/access";
import { notFound, unprocessable } from "../../platform/actions/errors";
import type { LiveSessionDoc, LiveSessions } from "./model";

/** Joining opens this long before the start. */
export const OPENS_BEFORE_MS = 10 * 60_000;
/** A session the instructor does not end closes this long after its planned end. */
export const CLOSES_AFTER_MS = 60 * 60_000;

export interface ScheduleInput {
  title: string;
  startsAt: string;
  plannedMinutes: number;
  cap?: number;
}

/**
 * A live session of a course, scheduled by its instructor (or an admin); anyone else finds no
 * such course. A start in the past is refused.
 */
export async function schedule(
  sessions: LiveSessions,
  caller: Principal,
  courseId: string,
  instructorId: string | null,
  input: ScheduleInput,
  defaultCap: number,
  now = Date.now(),
): Promise<LiveSessionDoc> {
  if (!instructorId || (instructorId !== caller.id && !isAdmin(caller))) throw notFound("Course");
  const starts = Date.parse(input.startsAt);
  if (!Number.isFinite(starts) || starts < now - 60_000)
    throw unprocessable(ClassroomError.SESSION_TIME_INVALID, "A session starts in the future");
  const ends = starts + input.plannedMinutes * 60_000;
  return sessions.insert({
    id: newId("live"),
    courseId,
    title: input.title,
    startsAt: new Date(starts).toISOString(),
    plannedMinutes: input.plannedMinutes,
    cap: input.cap ?? defaultCap,
    opensAt: new Date(starts - OPENS_BEFORE_MS).toISOString(),
    closesAt: new Date(ends + CLOSES_AFTER_MS).toISOString(),
    createdAt: new Date(now).toISOString(),
    scheduledBy: caller.id,
    state: "scheduled",
  });
}

/** Whether a session may be joined now: opened, not closed, not ended. */
export function isOpen(session: LiveSessionDoc, now = Date.now()): boolean {
  return (
    !session.endedAt && now >= Date.parse(session.opensAt) && now < Date.parse(session.closesAt)
  );
}
