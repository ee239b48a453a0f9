import { ClassroomError, type Participant } from "../../contracts/classroom";
import type { Principal } from "../../contracts/users";
import { isAdmin } from "../../platform/actions/access";
import { conflict, forbidden, notFound } from "../../platform/actions/errors";
import type { LiveSessionDoc } from "./model";
import type { Room } from "./room";
import { isOpen } from "./scheduling";

export interface AdmissionDeps {
  instructorOf(courseId: string): Promise<string | null>;
  learns(userId: string, courseId: string): Promise<boolean>;
  nameOf(userId: string): Promise<string>;
}

/**
 * Who may come in, and as what: the course's instructor and admins lead, its enrolled learners
 * join; nobody while the session is not open, nobody removed from it, nobody past its cap.
 */
export async function admit(
  session: LiveSessionDoc | null,
  room: Room,
  caller: Principal,
  deps: AdmissionDeps,
  now = Date.now(),
): Promise<Participant> {
  if (!session) throw notFound("Live session");
  if (!isOpen(session, now))
    throw conflict(ClassroomError.SESSION_NOT_OPEN, "This session is not open for joining now");
  const leads = isAdmin(caller) || (await deps.instructorOf(session.courseId)) === caller.id;
  if (!leads && !(await deps.learns(caller.id, session.courseId)))
    throw forbidden("Only the course's learners and instructor join its sessions");
  if (room.isRemoved(caller.id))
    throw conflict(ClassroomError.REMOVED_FROM_SESSION, "You were removed from this session");
  if (!room.has(caller.id) && room.size >= session.cap)
    throw conflict(ClassroomError.SESSION_FULL, "This session is full");
  return {
    userId: caller.id,
    name: await deps.nameOf(caller.id),
    role: leads ? "instructor" : "learner",
  };
}
