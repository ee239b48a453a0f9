import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Action } from "../../contracts/actions";
import {
  ClassroomAction,
  ClassroomError,
  ROOM_BROADCAST,
  type RoomBroadcast,
} from "../../contracts/classroom";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, isAdmin, type Ctx } from "../../platform/actions/access";
import { conflict, notFound } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { arrayOf, object } from "../../platform/actions/openapi";
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
import { Room, type Outcome } from "./room";
import {
  ATTENDANCE_INDEXES,
  ATTENDANCE_SHAPE,
  recordAttendance,
  toAttendee,
  type AttendanceDoc,
} from "./attendance";
import { MAX_FRAME_BYTES, parseFrame } from "./protocol";
import { classroomSettings } from "./settings";

type ClassroomThis = DbService<{ live_sessions: LiveSessionDoc; attendance: AttendanceDoc }> & {
  /** The rooms this node numbers: embedded, every room; in a cluster, see the next step. */
  rooms: Map<string, Room>;
};

function roomOf(self: ClassroomThis, sessionId: string): Room {
  let room = self.rooms.get(sessionId);
  if (!room) self.rooms.set(sessionId, (room = new Room()));
  return room;
}

/** Tells every gateway what the room told, in order; each passes it to its own sockets. */
async function tell(self: ClassroomThis, sessionId: string, outcome: Outcome): Promise<number> {
  if (!("events" in outcome) || !outcome.events.length) return 0;
  await recordAttendance(self.repos.attendance, sessionId, outcome.events);
  const told: RoomBroadcast = { sessionId, events: outcome.events };
  await self.broker.broadcast(ROOM_BROADCAST, told);
  return outcome.events.length;
}

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
    DbMixin({ live_sessions: LIVE_SESSION_INDEXES, attendance: ATTENDANCE_INDEXES }),
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
        const room = roomOf(this, sessionId);
        const participant = await admit(session, room, callerOf(ctx), admissionThrough(ctx));
        // The snapshot is taken before the join is told: the joiner's own arrival comes after it.
        const snapshot = room.snapshot();
        const missed = lastSeq === undefined ? null : room.since(lastSeq);
        const outcome = room.admit(participant);
        if ("error" in outcome)
          throw conflict(ClassroomError.REMOVED_FROM_SESSION, outcome.message);
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
        if ("error" in parsed) return { error: "bad_frame", message: parsed.error };
        const room = this.rooms.get(ctx.params.sessionId);
        if (!room) return { error: "not_joined", message: "Join the session first" };
        const outcome = room.handle(callerOf(ctx).id, parsed.message);
        if ("error" in outcome) return outcome;
        return { told: await tell(this, ctx.params.sessionId, outcome) };
      },
    }),

    leave: provide(ClassroomAction.leave, {
      visibility: "public",
      params: { $$strict: true, sessionId: idRule },
      async handler(this: ClassroomThis, ctx) {
        const room = this.rooms.get(ctx.params.sessionId);
        if (room) await tell(this, ctx.params.sessionId, room.leave(callerOf(ctx).id));
        return { left: true as const };
      },
    }),
  } satisfies Actions,

  created(this: ClassroomThis) {
    this.rooms = new Map();
  },
};

export default ClassroomService;
