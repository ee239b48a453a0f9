import type { LessonInput, NewCourse } from "./model";

export interface DemoCourse {
  course: NewCourse;
  modules: { title: string; lessons: LessonInput[] }[];
}

const text = (title: string, body: string, durationMinutes: number): LessonInput => ({
  title,
  kind: "text",
  body,
  durationMinutes,
});

/** Two courses to try the learning flow with: a free one, and a paid one that requires it. */
export const DEMO_COURSES: DemoCourse[] = [
  {
    course: {
      slug: "photosynthesis-basics",
      title: "Photosynthesis basics",
      summary: "How leaves turn light, water and air into sugar.",
      description: "A short free course: chlorophyll, the light reactions and the Calvin cycle.",
      level: "beginner",
      language: "en",
      category: "biology",
      price: 0,
      currency: "USD",
      prerequisites: [],
      sequential: true,
    },
    modules: [
      {
        title: "Light",
        lessons: [
          text("Chlorophyll", "# Chlorophyll\n\nWhy leaves are green.", 8),
          text("The light reactions", "# The light reactions\n\nWater split, ATP made.", 12),
        ],
      },
      {
        title: "Sugar",
        lessons: [text("The Calvin cycle", "# The Calvin cycle\n\nCarbon fixed into sugar.", 15)],
      },
    ],
  },
  {
    course: {
      slug: "plant-physiology",
      title: "Plant physiology",
      summary: "Water, nutrients and growth, after the basics of photosynthesis.",
      description: "Transpiration, roots and hormones.",
      level: "intermediate",
      language: "en",
      category: "biology",
      price: 2900,
      currency: "USD",
      prerequisites: ["photosynthesis-basics"],
      sequential: false,
    },
    modules: [
      {
        title: "Water",
        lessons: [
          text("Transpiration", "# Transpiration\n\nWater pulled up from the roots.", 10),
          {
            title: "Stomata up close",
            kind: "video",
            videoUrl: "https://video.example.com/stomata",
            durationMinutes: 6,
          },
        ],
      },
    ],
  },
];
