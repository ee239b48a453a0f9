import {
  JourneyStatus,
  MessageChannel,
  Priority,
  type JourneyTrigger,
} from "../../../contracts/engagement";
import { isDuplicate } from "../../../platform/actions/errors";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import type { Repository } from "../../../platform/data/repository";
import { createJourney, type JourneyStores } from "./journeys";
import type { SegmentDoc } from "../segments/segments";
import type { TemplateLocales, Templates } from "../content/templates";

type SeedStores = JourneyStores & { templates: Templates; segments: Repository<SegmentDoc> };

const at = new Date(0).toISOString();

interface Seed {
  segment?: Pick<SegmentDoc, "id" | "name" | "rule">;
  template: { id: string; name: string; locales: TemplateLocales };
  journey: {
    id: string;
    name: string;
    category: string;
    status: JourneyStatus;
    trigger: JourneyTrigger;
  };
}

/** The same words in the inbox and by e-mail (which adds its unsubscribe link itself). */
const inboxAndEmail = (title: string, body: string) => ({
  en: { inbox: { title, body }, email: { subject: title, body } },
});

/**
 * The journeys every shop starts with. The abandoned-cart reminder is on, as the shop always
 * had it; a learner whose course stalled, one who missed a live class and a customer who
 * stopped buying wait, paused, for an admin to read, reword and turn on. A node that starts later finds them and writes nothing.
 */
const SEEDS: Seed[] = [
  {
    template: {
      id: "cart_reminder",
      name: "Your cart is waiting",
      locales: inboxAndEmail(
        "Your cart is waiting",
        "You left these in your cart:\n{% for item in event.items %}  {{ item.quantity }} × {{ item.name }}\n{% endfor %}\nBack to your cart: {{ shopUrl | append: '/cart' | track }}",
      ),
    },
    journey: {
      id: "jrn_cart_reminder",
      name: "Abandoned cart",
      category: "cart",
      status: JourneyStatus.ACTIVE,
      trigger: { event: "cart.abandoned" },
    },
  },
  {
    segment: {
      id: "seg_course_stalled",
      name: "A course in progress, no lesson for 5 days",
      rule: {
        match: "all",
        conditions: [{ trait: "stalledCourses", op: "gte", value: 1, days: 5 }],
      },
    },
    template: {
      id: "course_stalled",
      name: "Your course is waiting",
      locales: inboxAndEmail(
        "Your course is waiting",
        "Pick up where you left off: {{ profile.coursesInProgress.size | plural: 'course', 'courses' }} in progress.\n{{ shopUrl | track }}",
      ),
    },
    journey: {
      id: "jrn_course_stalled",
      name: "Course stalled",
      category: "courses",
      status: JourneyStatus.PAUSED,
      trigger: { segment: "seg_course_stalled" },
    },
  },
  {
    segment: {
      id: "seg_missed_live",
      name: "Enrolled, missed the last live session",
      rule: {
        match: "all",
        conditions: [{ trait: "missedLastLiveSession", op: "gte", value: 1 }],
      },
    },
    template: {
      id: "missed_live",
      name: "You missed the live class",
      locales: inboxAndEmail(
        "You missed the live class",
        "The last live session of your course went ahead without you. Its chat is still there to read, and the next session is on the course page: {{ shopUrl | track }}",
      ),
    },
    journey: {
      id: "jrn_missed_live",
      name: "Missed the live class",
      category: "courses",
      status: JourneyStatus.PAUSED,
      trigger: { segment: "seg_missed_live" },
    },
  },
  {
    segment: {
      id: "seg_win_back",
      name: "Bought before, nothing for 30 days",
      rule: {
        match: "all",
        conditions: [
          { trait: "purchases", op: "gte", value: 1 },
          { trait: "daysSinceLastPurchase", op: "gte", value: 30 },
        ],
      },
    },
    template: {
      id: "win_back",
      name: "We miss you",
      locales: inboxAndEmail(
        "It has been a while",
        "New things arrived since your last order: {{ shopUrl | track }}",
      ),
    },
    journey: {
      id: "jrn_win_back",
      name: "Win back",
      category: "marketing",
      status: JourneyStatus.PAUSED,
      trigger: { segment: "seg_win_back" },
    },
  },
];

export async function seedJourneys(stores: SeedStores): Promise<void> {
  for (const { segment, template, journey } of SEEDS) {
    if (segment)
      await insertIfAbsent(stores.segments, { ...segment, createdAt: at, updatedAt: at });
    await insertIfAbsent(stores.templates, {
      ...template,
      defaultLocale: "en",
      createdAt: at,
      updatedAt: at,
    });
    if (await stores.journeys.findById(journey.id)) continue;
    try {
      await createJourney(
        stores,
        {
          name: journey.name,
          trigger: journey.trigger,
          // A reminder once a cart state; the others each time the user is in the segment
          // anew (a course stalls again, a customer lapses again), one run at a time.
          reentry: "event" in journey.trigger ? "perKey" : "afterExit",
          status: journey.status,
          steps: [
            {
              type: "send",
              template: template.id,
              category: journey.category,
              channels: [MessageChannel.INBOX, MessageChannel.EMAIL],
              fallback: false,
              priority: Priority.NORMAL,
            },
          ],
        },
        journey.id,
      );
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
  }
}
