import { JourneyStatus, MessageChannel, Priority } from "../../contracts/engagement";
import { isDuplicate } from "../../platform/actions/errors";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";
import { createJourney, type JourneyStores } from "./journeys";
import type { SegmentDoc } from "./segments";
import type { TemplateDoc, Templates } from "./templates";
import type { Repository } from "../../mixins/db.mixin";

type SeedStores = JourneyStores & { templates: Templates; segments: Repository<SegmentDoc> };

const at = new Date(0).toISOString();

/**
 * Two journeys every shop starts with, paused: a learner whose course stalled, and a customer
 * who stopped buying. An admin reads them, changes the words and turns them on; a node that
 * starts later finds them there and writes nothing.
 */
const SEEDS = [
  {
    segment: {
      id: "seg_course_stalled",
      name: "A course in progress, no lesson for 5 days",
      rule: {
        match: "all" as const,
        conditions: [{ trait: "stalledCourses" as const, op: "gte" as const, value: 1, days: 5 }],
      },
    },
    template: {
      id: "tpl_course_stalled",
      name: "Your course is waiting",
      locales: {
        en: {
          inbox: {
            title: "Your course is waiting",
            body: "Pick up where you left off: {{ profile.coursesInProgress.size | plural: 'course', 'courses' }} in progress.",
          },
          email: {
            subject: "Your course is waiting",
            body: "Pick up where you left off: {{ profile.coursesInProgress.size | plural: 'course', 'courses' }} in progress.\n\nStop these: {{ unsubscribeUrl }}",
          },
        },
      },
    },
    journey: { id: "jrn_course_stalled", name: "Course stalled", category: "courses" },
  },
  {
    segment: {
      id: "seg_win_back",
      name: "Bought before, nothing for 60 days",
      rule: {
        match: "all" as const,
        conditions: [
          { trait: "purchases" as const, op: "gte" as const, value: 1 },
          { trait: "daysSinceLastPurchase" as const, op: "gte" as const, value: 60 },
        ],
      },
    },
    template: {
      id: "tpl_win_back",
      name: "We miss you",
      locales: {
        en: {
          inbox: {
            title: "It has been a while",
            body: "New things arrived since your last order.",
          },
          email: {
            subject: "It has been a while",
            body: "New things arrived since your last order.\n\nStop these: {{ unsubscribeUrl }}",
          },
        },
      },
    },
    journey: { id: "jrn_win_back", name: "Win back", category: "marketing" },
  },
];

export async function seedJourneys(stores: SeedStores): Promise<void> {
  for (const seed of SEEDS) {
    await insertIfAbsent(stores.segments, { ...seed.segment, createdAt: at, updatedAt: at });
    const template: TemplateDoc = {
      ...seed.template,
      defaultLocale: "en",
      createdAt: at,
      updatedAt: at,
    };
    await insertIfAbsent(stores.templates, template);
    if (await stores.journeys.findById(seed.journey.id)) continue;
    try {
      await createJourney(
        stores,
        {
          name: seed.journey.name,
          trigger: { segment: seed.segment.id },
          reentry: "once",
          status: JourneyStatus.PAUSED,
          steps: [
            {
              type: "send",
              template: seed.template.id,
              category: seed.journey.category,
              channels: [MessageChannel.INBOX, MessageChannel.EMAIL],
              fallback: false,
              priority: Priority.LOW,
            },
          ],
        },
        seed.journey.id,
      );
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
  }
}
