/**
 * The classroom's contract: live sessions of a course, and the room's protocol (typed JSON
 * messages, each told with a per-session sequence number).
 */
export const ClassroomAction = {
  schedule: "classroom.schedule",
  sessions: "classroom.sessions",
  attendance: "classroom.attendance",
  chat: "classroom.chat",
  join: "classroom.join",
  send: "classroom.send",
  leave: "classroom.leave",
} as const;

export const ClassroomError = {
  SESSION_TIME_INVALID: "SESSION_TIME_INVALID",
  SESSION_NOT_OPEN: "SESSION_NOT_OPEN",
  SESSION_FULL: "SESSION_FULL",
  REMOVED_FROM_SESSION: "REMOVED_FROM_SESSION",
} as const;

/** What every gateway hears from the room, to pass to its own sockets of that session. */
export const ROOM_BROADCAST = "classroom.room";
export interface RoomBroadcast {
  sessionId: string;
  events: SequencedEvent[];
}

/**
 * Told to every classroom node when a learner may no longer be in a course's rooms (their
 * enrolment was taken back): the node holding such a room lets them go.
 */
export const ROOM_EXPEL = "classroom.expel";
export interface RoomExpel {
  courseId: string;
  userId: string;
}

/** A participant's way in: who they are in the room, the room as it is, and what they missed. */
export interface Admission {
  participant: Participant;
  snapshot: RoomSnapshot;
  /** After a reconnect: the events since the last one seen, or null when a snapshot must do. */
  missed: SequencedEvent[] | null;
}

export interface LiveSessionView {
  id: string;
  courseId: string;
  title: string;
  startsAt: string;
  plannedMinutes: number;
  cap: number;
  /** Joining opens this long before the start. */
  opensAt: string;
  /** Unless the instructor ends it sooner: an hour after its planned end. */
  closesAt: string;
  endedAt?: string;
  createdAt: string;
}

/** Who is in the room, as the others see them. */
export interface Participant {
  userId: string;
  name: string;
  role: "instructor" | "learner";
}

/** Every type a participant may send, and every type the room tells: the protocol's words. */
export const CLIENT_MESSAGE_TYPES = [
  "chat",
  "hand",
  "react",
  "poll_open",
  "poll_answer",
  "poll_close",
  "mute",
  "remove",
  "end",
] as const;
export const ROOM_EVENT_TYPES = [
  "joined",
  "left",
  "chat",
  "hand",
  "react",
  "poll",
  "muted",
  "removed",
  "ended",
] as const;

/** What a participant sends. */
export type ClientMessage =
  | { type: "chat"; text: string }
  | { type: "hand"; raised: boolean }
  | { type: "react"; emoji: string }
  | { type: "poll_open"; question: string; options: string[] }
  | { type: "poll_answer"; pollId: string; option: number }
  | { type: "poll_close"; pollId: string }
  | { type: "mute"; userId: string; muted: boolean }
  | { type: "remove"; userId: string }
  | { type: "end" };

export interface PollView {
  id: string;
  question: string;
  options: string[];
  /** Answers counted per option, live. */
  counts: number[];
  closed: boolean;
}

/** What the room tells everyone, in order: each with the session's next sequence number. */
export type RoomEvent =
  | { type: "joined"; participant: Participant }
  /** `revoked`: their enrolment was taken back, and their sockets are closed. */
  | { type: "left"; userId: string; reason?: "revoked" }
  | { type: "chat"; from: string; text: string }
  | { type: "hand"; userId: string; raised: boolean }
  | { type: "react"; from: string; emoji: string }
  | { type: "poll"; poll: PollView }
  | { type: "muted"; userId: string; muted: boolean }
  | { type: "removed"; userId: string }
  | { type: "ended" };

export type SequencedEvent = RoomEvent & { seq: number; at: string };

/** The room as a newcomer (or a client too far behind to resume) first sees it. */
export interface RoomSnapshot {
  seq: number;
  participants: Participant[];
  hands: string[];
  muted: string[];
  poll?: PollView;
  ended: boolean;
}

/** Close codes of the room's socket (4000–4999 are the application's). */
export const RoomClose = {
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  NOT_OPEN: 4409,
  FULL: 4429,
  REMOVED: 4410,
  BAD_FRAME: 4400,
  TOO_SLOW: 4408,
  NODE_FULL: 4503,
  ENDED: 4000,
} as const;

/** A chat message as kept after the session, for its participants to read back. */
export interface ChatLine {
  seq: number;
  from: string;
  name: string;
  text: string;
  at: string;
}

/** Who came to a session and for how long, or an enrolled learner who missed it. */
export interface SessionPerson {
  userId: string;
  role: Participant["role"];
  minutes: number;
  attended: boolean;
}

/**
 * A session ended (its instructor ended it, or its time ran out), with its attendance. A
 * course with many learners tells it in parts of at most `PEOPLE_PER_PART` people each; the
 * totals are the session's in every part.
 */
export interface LiveSessionEnded {
  sessionId: string;
  courseId: string;
  title: string;
  startsAt: string;
  endedAt: string;
  endedBy: "instructor" | "schedule";
  /** Learners who came, and the course's learners in all. */
  attended: number;
  enrolled: number;
  part: number;
  parts: number;
  people: SessionPerson[];
}
export const PEOPLE_PER_PART = 500;
