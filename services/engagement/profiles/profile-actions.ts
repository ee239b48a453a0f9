import type { ServiceSchema } from "moleculer";
import type { Ctx } from "../../../platform/actions/access";
import type { Actions } from "../../../platform/actions/action-properties";
import { adminGet, adminList } from "../../../platform/actions/admin-reads";
import { conflict, ErrorType, notFound } from "../../../platform/actions/errors";
import { idRule } from "../../../platform/actions/ids";
import { pageOf } from "../../../platform/actions/openapi";
import { allOptional } from "../../../platform/actions/validator";
import { findPage, pageParams } from "../../../platform/data/pagination";
import { channelsKeepHistory } from "../../../platform/messaging/channel-replay";
import type { EngagementThis } from "../engagement-this";
import { definitionsChanged } from "../journeys/journey-wiring";
import {
  MEMBER_SHAPE,
  PROFILE_SHAPE,
  REBUILT_SHAPE,
  SEGMENT_SHAPE,
  segmentFields,
  segmentParams,
} from "../model";
import { rebuildProfiles, segmentsOf, setSegments } from "./profile-wiring";
import { profileView } from "./profiles";
import { createSegment, updateSegment } from "../segments/segments";

const noHistory = () =>
  conflict(
    ErrorType.INVALID_STATE,
    "This shop runs in one process, whose channels keep no history to rebuild profiles from",
  );

/** Profiles and segments: what admins read of users' behaviour, and the rules over it. */
export const ProfileActions: Partial<ServiceSchema> = {
  actions: {
    createSegment: {
      openapi: {
        summary: "Define a segment: a rule over profile traits",
        description:
          "A rule is `{match: all|any, conditions: [{trait, op, value, …}]}`: traits views (with category and days), purchases, cartAdds, sessions, spent (with currency), daysSinceLastSeen, daysSinceLastPurchase, stalledCourses (with days); op gte, lte or eq. A rule that cannot be used is 422, naming each problem.",
        status: 201,
        response: SEGMENT_SHAPE,
        errors: [409, 422],
      },
      access: "admin",
      params: segmentParams,
      async handler(this: EngagementThis, ctx: Ctx<{ name: string; rule: unknown }>) {
        const segment = await createSegment(this.repos.segments, ctx.params);
        await definitionsChanged(this);
        this.segmentSweep.wake();
        ctx.meta.$created = segment.id;
        return segment;
      },
    },

    listSegments: adminList("segments", "The segments", SEGMENT_SHAPE),

    getSegment: adminGet("segments", "Segment", "One segment", SEGMENT_SHAPE),

    updateSegment: {
      openapi: {
        summary: "Rename a segment or change its rule",
        response: SEGMENT_SHAPE,
        errors: [404, 422],
      },
      access: "admin",
      params: { $$strict: true, ...allOptional(segmentFields), id: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ id: string; name?: string; rule?: unknown }>) {
        const { id, ...changes } = ctx.params;
        const segment = await updateSegment(this.repos.segments, id, changes);
        await definitionsChanged(this);
        this.segmentSweep.wake();
        return segment;
      },
    },

    segmentMembers: {
      openapi: {
        summary: "Who is in a segment now, longest first",
        response: pageOf(MEMBER_SHAPE),
        errors: [404],
      },
      access: "admin",
      params: { $$strict: "remove", id: idRule, ...pageParams },
      async handler(
        this: EngagementThis,
        ctx: Ctx<{ id: string; page: number; pageSize: number }>,
      ) {
        const { id, page, pageSize } = ctx.params;
        if (!(await this.repos.segments.findById(id))) throw notFound("Segment");
        return findPage(
          this.repos.segment_members,
          { segmentId: id, active: true },
          { page, pageSize, sort: { since: 1 } },
          ({ userId, since }) => ({ userId, since }),
        );
      },
    },

    rebuildProfile: {
      openapi: {
        summary: "Make a user's profile again from the history the channels keep",
        description:
          "Deletes the profile and folds every kept behaviour, order and course message about the user into it again, in order (JetStream keeps 7 days by default: older behaviour is gone, as it would be from the profile's views anyway). Segments are set from the result. One process keeps no history: 409.",
        response: REBUILT_SHAPE,
        errors: [409],
      },
      access: "admin",
      params: { $$strict: true, userId: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ userId: string }>) {
        const { userId } = ctx.params;
        if (!channelsKeepHistory(this.broker)) throw noHistory();
        const messages = await rebuildProfiles(this, userId);
        const profile = await this.repos.profiles.findById(userId);
        if (profile) await setSegments(this, profile, await segmentsOf(this));
        return { messages, profiles: profile ? 1 : 0 };
      },
    },

    rebuildProfiles: {
      openapi: {
        summary: "Make every profile again from the history the channels keep",
        description:
          "As for one user, for all: every profile is deleted and folded again; the segment sweep then sets memberships. Long on a big shop: run it from the REPL (`call engagement.rebuildProfiles`) rather than through a gateway's request timeout.",
        response: REBUILT_SHAPE,
        errors: [409],
      },
      access: "admin",
      params: { $$strict: true },
      async handler(this: EngagementThis) {
        if (!channelsKeepHistory(this.broker)) throw noHistory();
        const messages = await rebuildProfiles(this);
        return { messages, profiles: await this.repos.profiles.count({ id: { $gt: "" } }) };
      },
    },

    profile: {
      openapi: {
        summary: "A user's profile: what they did, folded into traits",
        description:
          "Last seen, visits, product views by category (the last 7 days), cart adds, purchases and spend by currency (net of cancellations), courses in progress with their last activity, and the busiest hour of the week (UTC, 0 is Monday 00:00).",
        response: PROFILE_SHAPE,
        errors: [404],
      },
      access: "admin",
      params: { $$strict: true, userId: idRule },
      async handler(this: EngagementThis, ctx: Ctx<{ userId: string }>) {
        const profile = await this.repos.profiles.findById(ctx.params.userId);
        if (!profile) throw notFound("Profile");
        return profileView(profile);
      },
    },
  } satisfies Actions,
};
