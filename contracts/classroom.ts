/**
 * The classroom's contract: live sessions of a course, and the room's protocol (typed JSON
 * messages, each told with a per-session sequence number).
 */
export const ClassroomAction = {
  schedule: "classroom.schedule",
  sessions: "classroom.sessions",
  attendance: "classroom.attendance",
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
  | { type: "left"; userId: string }
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
