import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Action } from "../../contracts/actions";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, isAdmin, type Ctx } from "../../platform/actions/access";
import { notFound } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { arrayOf, object } from "../../platform/actions/openapi";
import { call } from "../../platform/actions/typed-call";
import { ownSettings } from "../../platform/runtime/settings-of";
import {
  LIVE_SESSION_INDEXES,
  LIVE_SESSION_SHAPE,
  toLiveSessionView,
  type LiveSessionDoc,
} from "./model";
import { schedule, type ScheduleInput } from "./scheduling";
import { classroomSettings } from "./settings";

type ClassroomThis = DbService<{ live_sessions: LiveSessionDoc }>;

/** Wiring only: the rules are in scheduling.ts, and the room's in room.ts and protocol.ts. */
const ClassroomService: ServiceSchema<ServiceSettingSchema, ClassroomThis> = {
  name: "classroom",
  mixins: [DbMixin({ live_sessions: LIVE_SESSION_INDEXES }), HealthMixin],

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
  } satisfies Actions,
};

export default ClassroomService;
