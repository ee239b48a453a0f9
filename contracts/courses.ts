/** Courses as the shop and the learners see them. Types and constants only. */

export const CourseStatus = {
  DRAFT: "draft",
  PUBLISHED: "published",
  ARCHIVED: "archived",
} as const;
export type CourseStatus = (typeof CourseStatus)[keyof typeof CourseStatus];

/**
 * What a lesson is: markdown text, a video by its URL, a study document, or a quiz, which the
 * learner completes by passing it.
 */
export const LessonKind = {
  TEXT: "text",
  VIDEO: "video",
  DOCUMENT: "document",
  QUIZ: "quiz",
} as const;
export type LessonKind = (typeof LessonKind)[keyof typeof LessonKind];

export const COURSE_LEVELS = ["beginner", "intermediate", "advanced"] as const;
export type CourseLevel = (typeof COURSE_LEVELS)[number];

/** A lesson in an outline: what anyone may see of it, never its body. */
export interface LessonOutline {
  id: string;
  title: string;
  kind: LessonKind;
  durationMinutes: number;
  /** For an enrolled caller: whether the lesson is open to them yet, and done. */
  locked?: boolean;
  completed?: boolean;
}

export interface ModuleOutline {
  id: string;
  title: string;
  lessons: LessonOutline[];
}

export interface CourseView {
  id: string;
  slug: string;
  title: string;
  summary: string;
  description: string;
  level: CourseLevel;
  language: string;
  category: string;
  price: number;
  currency: string;
  instructorId: string;
  status: CourseStatus;
  prerequisites: string[];
  sequential: boolean;
  /** The course's product in the catalog, once it was published. */
  productId?: string;
  modules: ModuleOutline[];
  createdAt: string;
  updatedAt: string;
}

/** A learner's place in a course. */
export interface EnrolmentView {
  courseId: string;
  userId: string;
  /** How it was granted: the order that bought it, or a free enrolment. */
  orderId?: string;
  active: boolean;
  completedLessons: number;
  totalLessons: number;
  percent: number;
  completedAt?: string;
  certificateId?: string;
  enrolledAt: string;
}

/** What anyone can check about a certificate, by its id. */
export interface CertificateView {
  id: string;
  courseId: string;
  courseTitle: string;
  userId: string;
  completedAt: string;
}

/** An enrolment taken back (its order was cancelled): its learner no longer studies the course. */
export interface EnrolmentRevoked {
  userId: string;
  courseId: string;
  orderId?: string;
  revokedAt: string;
}
