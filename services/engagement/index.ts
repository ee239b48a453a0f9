import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { engagementSettings } from "./settings";

export default defineService({
  name: "engagement",
  actions: Action.engagement,
  group: "consumers",
  routes: {
    "GET /engagement/profiles/:userId": Action.engagement.profile,
    "GET /engagement/decisions": Action.engagement.decisions,
    "POST /engagement/segments": Action.engagement.createSegment,
    "GET /engagement/segments": Action.engagement.listSegments,
    "GET /engagement/segments/:id": Action.engagement.getSegment,
    "PATCH /engagement/segments/:id": Action.engagement.updateSegment,
    "GET /engagement/segments/:id/members": Action.engagement.segmentMembers,
    "POST /engagement/profiles/rebuild": Action.engagement.rebuildProfiles,
    "POST /engagement/profiles/:userId/rebuild": Action.engagement.rebuildProfile,
    "POST /engagement/journeys": Action.engagement.createJourney,
    "GET /engagement/journeys": Action.engagement.listJourneys,
    "GET /engagement/journeys/:id": Action.engagement.getJourney,
    "PATCH /engagement/journeys/:id": Action.engagement.updateJourney,
    "GET /engagement/journeys/:id/stats": Action.engagement.journeyStats,
    "GET /engagement/journeys/:id/runs": Action.engagement.journeyRuns,
    "POST /engagement/templates": Action.engagement.createTemplate,
    "GET /engagement/templates": Action.engagement.listTemplates,
    "GET /engagement/templates/:id": Action.engagement.getTemplate,
    "PATCH /engagement/templates/:id": Action.engagement.updateTemplate,
    "POST /engagement/templates/:id/preview": Action.engagement.previewTemplate,
    "GET /engagement/templates/:id/stats": Action.engagement.templateStats,
    "GET /me/preferences": Action.engagement.myPreferences,
    "PUT /me/preferences": Action.engagement.setMyPreferences,
    "GET /unsubscribe": Action.engagement.unsubscribe,
    "GET /click": Action.engagement.click,
  },
  createdAt: {
    [Action.engagement.createSegment]: "/engagement/segments/:id",
    [Action.engagement.createJourney]: "/engagement/journeys/:id",
    [Action.engagement.createTemplate]: "/engagement/templates/:id",
  },
  settings: engagementSettings,
  load: () => import("./engagement.service"),
});
