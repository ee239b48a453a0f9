import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Action } from "../../contracts/actions";
import { Channel } from "../../contracts/channels";
import {
  ClassroomAction,
  ClassroomError,
  ROOM_BROADCAST,
  ROOM_EXPEL,
  type LiveSessionEnded,
  type RoomBroadcast,
  type SequencedEvent,
  type RoomExpel,
} from "../../contracts/classroom";
import { consumes, ConsumerMixin } from "../../mixins/channel-consumer.mixin";
import { DbMixin, addStoreLoop, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, isAdmin, type Ctx } from "../../platform/actions/access";
import { conflict, notFound } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { arrayOf, object } from "../../platform/actions/openapi";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { call, provide } from "../../platform/actions/typed-call";
import { ownSettings } from "../../platform/runtime/settings-of";
import {
  LIVE_SESSION_INDEXES,
  LIVE_SESSION_SHAPE,
  toLiveSessionView,
  type LiveSessionDoc,
} from "./model";
import { schedule, type ScheduleInput } from "./scheduling";
import { admit, type AdmissionDeps } from "./admission";
import { ROOM_LIMITS, Room, type Outcome } from "./room";
import { isOpen } from "./scheduling";
import {
  ATTENDANCE_INDEXES,
  ATTENDANCE_SHAPE,
  recordAttendance,
  toAttendee,
  type AttendanceDoc,
} from "./attendance";
import { CHAT_INDEXES, CHAT_SHAPE, chatAfter, recordChat, type ChatDoc } from "./chat";
import { SUMMARY_INDEXES, endDue, endSession, summarizeEnded, type SummaryDoc } from "./ending";
import { MAX_FRAME_BYTES, parseFrame } from "./protocol";
import { classroomSettings } from "./settings";

/** A room this node numbers, with its course (for expulsions) and its closing time. */
interface HeldRoom {
  room: Room;
  courseId: string;
  closing: NodeJS.Timeout;
  /** Numbered, not yet told; and the batch being told now. */
  pending: SequencedEvent[];
  flushing?: Promise<void>;
}

type ClassroomThis = DbService<{
  live_sessions: LiveSessionDoc;
  attendance: AttendanceDoc;
  chats: ChatDoc;
  session_summaries: SummaryDoc;
}> &
  RelayService & {
    /** The rooms this node numbers: embedded, every room; in a cluster, those placed here. */
    rooms: Map<string, HeldRoom>;
    /** Rooms being opened: joins that arrive together share one. */
    opening: Map<string, Promise<Room>>;
    closer: BackgroundLoop;
  };

const CLOSER_POLL_MS = 5000;
/** setTimeout's longest wait; a session closing later is ended by the closer's pass. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A session's room on this node, opened at its first join here. */
async function roomOf(self: ClassroomThis, session: LiveSessionDoc): Promise<Room> {
  const held = self.rooms.get(session.id);
  if (held) return held.room;
  let opening = self.opening.get(session.id);
  if (!opening) {
    opening = openRoom(self, session).finally(() => self.opening.delete(session.id));
    self.opening.set(session.id, opening);
  }
  return opening;
}

/** A room's numbers per opening: a room opened again (its node died) starts past them all. */
const SEQ_PER_EPOCH = 1_000_000_000;

async function openRoom(self: ClassroomThis, session: LiveSessionDoc): Promise<Room> {
  await self.repos.live_sessions.updateOne({ id: session.id }, { $inc: { roomEpoch: 1 } });
  const epoch = (await self.repos.live_sessions.findById(session.id))?.roomEpoch ?? 1;
  const own = ownSettings(self.broker, classroomSettings);
  const limits = {
    ...ROOM_LIMITS,
    chatPerWindow: own.classroomChatPer10s,
    messagesPerWindow: own.classroomMessagesPer10s,
  };
  const room = new Room(limits, Date.now, (epoch - 1) * SEQ_PER_EPOCH);
  const kept = await self.repos.attendance.find({ sessionId: session.id });
  room.restore({
    removed: kept.filter((row) => row.removed).map((row) => row.userId),
    muted: kept.filter((row) => row.muted).map((row) => row.userId),
  });
  const closing = setTimeout(
    () => void endRoom(self, session.id, "schedule").catch(() => undefined),
    Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(session.closesAt) - Date.now())),
  );
  closing.unref();
  self.rooms.set(session.id, { room, courseId: session.courseId, closing, pending: [] });
  return room;
}

/** The room's end, told to everyone, then kept: the session is ended once, its summary owed. */
async function endRoom(
  self: ClassroomThis,
  sessionId: string,
  endedBy: LiveSessionEnded["endedBy"],
): Promise<void> {
  const held = self.rooms.get(sessionId);
  if (held) {
    await tell(self, sessionId, held.room.end());
    clearTimeout(held.closing);
    self.rooms.delete(sessionId);
  }
  if (await endSession(self.repos.live_sessions, sessionId, endedBy)) self.closer.wake();
}

/**
 * Tells every gateway what the room told, in the room's order; each passes it to its own
 * sockets. Events numbered while a batch is being kept and told wait and go together next, so
 * a room is told in order however its writes interleave, and a busy room writes in groups.
 */
async function tell(self: ClassroomThis, sessionId: string, outcome: Outcome): Promise<number> {
  if (!("events" in outcome) || !outcome.events.length) return 0;
  const held = self.rooms.get(sessionId);
  if (!held) {
    await publish(self, sessionId, outcome.events);
    return outcome.events.length;
  }
  held.pending.push(...outcome.events);
  held.flushing ??= (async () => {
    try {
      while (held.pending.length) await publish(self, sessionId, held.pending.splice(0), held.room);
    } finally {
      held.flushing = undefined;
    }
  })();
  await held.flushing;
  return outcome.events.length;
}

async function publish(
  self: ClassroomThis,
  sessionId: string,
  events: SequencedEvent[],
  room?: Room,
): Promise<void> {
  // The record is kept before it is told; a store that fails it does not silence the room.
  try {
    await recordChat(self.repos.chats, sessionId, events, (id) => room?.nameOf(id) ?? "");
    await recordAttendance(self.repos.attendance, sessionId, events);
  } catch (err) {
    self.logger.warn(
      `live session ${sessionId}: keeping its events failed:`,
      (err as Error).message,
    );
  }
  const told: RoomBroadcast = { sessionId, events };
  await self.broker.broadcast(ROOM_BROADCAST, told);
}

/** A learner whose enrolment was taken back: every classroom node lets them go from its rooms. */
const revocations = consumes(
  [Channel.COURSES_ENROLMENT_REVOKED],
  "classroom",
  async function (message) {
    const expel: RoomExpel = { courseId: message.data.courseId, userId: message.data.userId };
    await this.broker.broadcast(ROOM_EXPEL, expel, "classroom");
  },
);

const admissionThrough = (ctx: Ctx<object>): AdmissionDeps => ({
  instructorOf: (courseId) => call(ctx, Action.courses.instructorOf, { courseId }),
  learns: async (userId, courseId) =>
    (await call(ctx, Action.courses.studiedBy, { userId, courseIds: [courseId] })).includes(
      courseId,
    ),
  nameOf: async (userId) =>
    (await call(ctx, Action.users.contactOf, { userId }))?.name ?? "Someone",
});

/** Wiring only: the rules are in scheduling.ts, and the room's in room.ts and protocol.ts. */
const ClassroomService: ServiceSchema<ServiceSettingSchema, ClassroomThis> = {
  name: "classroom",
  mixins: [
    DbMixin({
      live_sessions: LIVE_SESSION_INDEXES,
      attendance: ATTENDANCE_INDEXES,
      chats: CHAT_INDEXES,
      session_summaries: SUMMARY_INDEXES,
    }),
    ConsumerMixin,
    OutboxRelayMixin("session_summaries"),
    HealthMixin,
  ],

  actions: {
    schedule: {
      access: "user",
      openapi: {
        summary: "Schedule a live session of a course you teach",
        description:
          "Joining opens 10 minutes before `startsAt`; the session ends when the instructor ends it, or an hour after its planned end. `cap` participants at most (300 by default).",
        status: 201,
        response: LIVE_SESSION_SHAPE,
        errors: [404, 422],
      },
      params: {
        $$strict: true,
        id: idRule,
        title: { type: "string", min: 1, max: 200, trim: true },
        startsAt: {
          type: "string",
          max: 40,
          pattern: /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/,
        },
        plannedMinutes: { type: "number", integer: true, min: 5, max: 600 },
        cap: { type: "number", integer: true, min: 2, max: 100_000, optional: true },
      },
      async handler(this: ClassroomThis, ctx: Ctx<ScheduleInput & { id: string }>) {
        const { id, ...input } = ctx.params;
        const instructorId = await call(ctx, Action.courses.instructorOf, { courseId: id });
        const { classroomDefaultCap } = ownSettings(this.broker, classroomSettings);
        const session = await schedule(
          this.repos.live_sessions,
          callerOf(ctx),
          id,
          instructorId,
          input,
          classroomDefaultCap,
        );
        ctx.meta.$created = session.id;
        return toLiveSessionView(session);
      },
    },

    sessions: {
      access: "user",
      openapi: {
        summary: "The live sessions of a course you learn or teach, soonest first",
        response: object({ rows: arrayOf(LIVE_SESSION_SHAPE) }, [], "LiveSessions"),
      },
      params: { $$strict: true, id: idRule },
      async handler(this: ClassroomThis, ctx: Ctx<{ id: string }>) {
        const caller = callerOf(ctx);
        const courseId = ctx.params.id;
        if (!isAdmin(caller)) {
          const studied = await call(ctx, Action.courses.studiedBy, {
            userId: caller.id,
            courseIds: [courseId],
          });
          if (!studied.includes(courseId)) throw notFound("Course");
        }
        const rows = await this.repos.live_sessions.find({ courseId }, { sort: { startsAt: 1 } });
        return { rows: rows.map(toLiveSessionView) };
      },
    },

    attendance: {
      access: "user",
      openapi: {
        summary: "Who attended a live session, and for how long (its instructor and admins)",
        response: object({ rows: arrayOf(ATTENDANCE_SHAPE) }, [], "Attendance"),
      },
      params: { $$strict: true, id: idRule },
      async handler(this: ClassroomThis, ctx: Ctx<{ id: string }>) {
        const caller = callerOf(ctx);
        const session = await this.repos.live_sessions.findById(ctx.params.id);
        const leads =
          session &&
          (isAdmin(caller) ||
            (await call(ctx, Action.courses.instructorOf, { courseId: session.courseId })) ===
              caller.id);
        if (!leads) throw notFound("Live session");
        const rows = await this.repos.attendance.find(
          { sessionId: session.id },
          { sort: { firstJoinedAt: 1 } },
        );
        return { rows: rows.map((row) => toAttendee(row)) };
      },
    },

    chat: {
      access: "user",
      openapi: {
        summary: "A live session's chat, in the room's order (its participants, during and after)",
        description:
          "The course's instructor and learners, and admins, read it. Pages of up to 200 after the message numbered `after`.",
        response: object({ rows: arrayOf(CHAT_SHAPE) }, [], "ChatHistory"),
      },
      params: {
        $$strict: true,
        id: idRule,
        after: { type: "number", integer: true, min: 0, convert: true, default: 0 },
        limit: { type: "number", integer: true, min: 1, max: 200, convert: true, default: 100 },
      },
      async handler(this: ClassroomThis, ctx: Ctx<{ id: string; after: number; limit: number }>) {
        const caller = callerOf(ctx);
        const session = await this.repos.live_sessions.findById(ctx.params.id);
        const member =
          session &&
          (isAdmin(caller) ||
            (
              await call(ctx, Action.courses.studiedBy, {
                userId: caller.id,
                courseIds: [session.courseId],
              })
            ).length > 0);
        if (!member) throw notFound("Live session");
        const { after, limit } = ctx.params;
        return { rows: await chatAfter(this.repos.chats, session.id, after, limit) };
      },
    },

    join: provide(ClassroomAction.join, {
      visibility: "public",
      params: {
        $$strict: true,
        sessionId: idRule,
        lastSeq: { type: "number", integer: true, min: 0, optional: true },
      },
      async handler(this: ClassroomThis, ctx) {
        const { sessionId, lastSeq } = ctx.params;
        const session = await this.repos.live_sessions.findById(sessionId);
        const room = session && isOpen(session) ? await roomOf(this, session) : new Room();
        const participant = await admit(session, room, callerOf(ctx), admissionThrough(ctx));
        // The snapshot is taken before the join is told: the joiner's own arrival comes after it.
        const snapshot = room.snapshot();
        const missed = lastSeq === undefined ? null : room.since(lastSeq);
        const outcome = room.admit(participant, ctx.nodeID ?? this.broker.nodeID, session!.cap);
        if ("error" in outcome)
          throw conflict(
            outcome.error === "full"
              ? ClassroomError.SESSION_FULL
              : outcome.error === "invalid"
                ? ClassroomError.SESSION_NOT_OPEN
                : ClassroomError.REMOVED_FROM_SESSION,
            outcome.message,
          );
        await tell(this, sessionId, outcome);
        return { participant, snapshot, missed };
      },
    }),

    send: provide(ClassroomAction.send, {
      visibility: "public",
      params: {
        $$strict: true,
        sessionId: idRule,
        frame: { type: "string", max: MAX_FRAME_BYTES },
      },
      async handler(this: ClassroomThis, ctx) {
        const parsed = parseFrame(ctx.params.frame);
        if ("error" in parsed)
          return { error: parsed.malformed ? "bad_frame" : "invalid", message: parsed.error };
        const room = this.rooms.get(ctx.params.sessionId)?.room;
        if (!room) return { error: "not_joined", message: "Join the session first" };
        const outcome = room.handle(callerOf(ctx).id, parsed.message);
        if ("error" in outcome) return outcome;
        if (parsed.message.type === "end") {
          const told = await tell(this, ctx.params.sessionId, outcome);
          await endRoom(this, ctx.params.sessionId, "instructor");
          return { told };
        }
        return { told: await tell(this, ctx.params.sessionId, outcome) };
      },
    }),

    leave: provide(ClassroomAction.leave, {
      visibility: "public",
      params: { $$strict: true, sessionId: idRule },
      async handler(this: ClassroomThis, ctx) {
        const room = this.rooms.get(ctx.params.sessionId)?.room;
        const via = ctx.nodeID ?? this.broker.nodeID;
        if (room) await tell(this, ctx.params.sessionId, room.leave(callerOf(ctx).id, via));
        return { left: true as const };
      },
    }),
  } satisfies Actions,

  channels: revocations,

  events: {
    // A gateway node gone without a word: whoever was connected only through it leaves.
    "$node.disconnected"(this: ClassroomThis, ctx: Ctx<{ node: { id: string } }>) {
      for (const [sessionId, held] of this.rooms)
        void tell(this, sessionId, held.room.dropNode(ctx.params.node.id)).catch(() => undefined);
    },
    [ROOM_EXPEL]: {
      async handler(this: ClassroomThis, ctx: Ctx<RoomExpel>) {
        const { courseId, userId } = ctx.params;
        for (const [sessionId, held] of this.rooms)
          if (held.courseId === courseId) await tell(this, sessionId, held.room.expel(userId));
      },
    },
  },

  created(this: ClassroomThis) {
    this.rooms = new Map();
    this.opening = new Map();
    // Sessions nobody ended close by their schedule; every ended one tells its summary once.
    this.closer = new BackgroundLoop(
      "live session closing",
      CLOSER_POLL_MS,
      async () => {
        await endDue(this.repos.live_sessions);
        const told = await summarizeEnded({
          sessions: this.repos.live_sessions,
          attendance: this.repos.attendance,
          summaries: this.repos.session_summaries,
          learnersOf: (courseId, after, limit) =>
            call(this.broker, Action.courses.learnersOf, {
              courseId,
              limit,
              ...(after ? { after } : {}),
            }),
        });
        if (told > 0) this.outboxRelay.wake();
      },
      this.logger,
    );
    addStoreLoop(this, this.closer);
  },

  stopped(this: ClassroomThis) {
    for (const held of this.rooms.values()) clearTimeout(held.closing);
  },
};

export default ClassroomService;
