import type { ProductView } from "./catalog";
import type { AuditAct } from "./audit";
import type { LiveSessionEnded } from "./classroom";
import type { EnrolmentRevoked } from "./courses";
import type { DocumentProcessed } from "./documents";
import type { QuizGraded } from "./quizzes";
import type { OrderLine, OrderStatus } from "./orders";
import type { Role } from "./users";

/** Every durable channel (docs/architecture.md): the business facts services tell each other. */
export const Channel = {
  USERS_REGISTERED: "users.registered",
  ORDERS_CONFIRMED: "orders.confirmed",
  ORDERS_CANCELLED: "orders.cancelled",
  ORDERS_SHIPPED: "orders.shipped",
  ORDERS_DELIVERED: "orders.delivered",
  ORDERS_FAILED: "orders.failed",
  PAYMENTS_SUCCEEDED: "payments.succeeded",
  PAYMENTS_FAILED: "payments.failed",
  PAYMENTS_REFUNDED: "payments.refunded",
  ANALYTICS_EVENTS: "analytics.events",
  COURSES_LESSON_COMPLETED: "courses.lesson_completed",
  COURSES_COMPLETED: "courses.completed",
  CATALOG_PRODUCT_CHANGED: "catalog.product_changed",
  COURSES_COURSE_CHANGED: "courses.course_changed",
  CART_ABANDONED: "cart.abandoned",
  ENGAGEMENT_SEGMENT_ENTERED: "engagement.segment_entered",
  ENGAGEMENT_SEGMENT_LEFT: "engagement.segment_left",
  DOCUMENTS_PROCESSED: "documents.processed",
  QUIZZES_GRADED: "quizzes.graded",
  COURSES_ENROLMENT_REVOKED: "courses.enrolment_revoked",
  CLASSROOM_SESSION_ENDED: "classroom.session_ended",
  AUDIT_RECORDED: "audit.recorded",
} as const;
export type ChannelName = (typeof Channel)[keyof typeof Channel];

export interface UserRegistered {
  userId: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: string;
}

/** An order that moved: its state after the move, and what it holds. */
export interface OrderMoved {
  orderId: string;
  userId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: number;
  currency: string;
  createdAt: string;
  paymentId?: string;
  failureReason?: string;
}

export interface PaymentSettled {
  paymentId: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  status: string;
  reason?: string;
}

export interface PaymentRefunded {
  paymentId: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
}

/** A behaviour event as ingested (`POST /events`), its time filled in. */
export interface BehaviourEvent {
  type: string;
  ts: string;
  userId?: string;
  /**
   * A visitor not signed in, as the storefront names them; with `userId` too, the visitor signed
   * in as that user, and what they did anonymously is merged into the user's profile.
   */
  anonymousId?: string;
  sessionId?: string;
  productId?: string;
  props?: Record<string, unknown>;
}

/** A learner completed a lesson, the first time. */
export interface LessonCompleted {
  userId: string;
  courseId: string;
  lessonId: string;
  completedAt: string;
}

/** A learner completed a course: told once per enrolment, with the certificate's id. */
export interface CourseCompleted {
  userId: string;
  courseId: string;
  certificateId: string;
  completedAt: string;
}

/** A cart left alone with items in it: told once a cart state (`key`), for a journey to act on. */
export interface CartAbandoned {
  userId: string;
  key: string;
  items: { productId: string; name: string; quantity: number }[];
  abandonedAt: string;
}

/** A user entered or left a segment: told once each time, for journeys elsewhere and webhooks. */
export interface SegmentMoved {
  segmentId: string;
  userId: string;
  at: string;
}

/** A course as the search index reads it: what it says, who may see it, its lesson titles. */
export interface CourseListed {
  id: string;
  slug: string;
  title: string;
  summary: string;
  description: string;
  category: string;
  level: string;
  price: number;
  currency: string;
  status: string;
  instructorId: string;
  productId?: string;
  lessons: { id: string; title: string }[];
  updatedAt: string;
}

export interface ChannelPayloads {
  "users.registered": UserRegistered;
  "orders.confirmed": OrderMoved;
  "orders.cancelled": OrderMoved;
  "orders.shipped": OrderMoved;
  "orders.delivered": OrderMoved;
  "orders.failed": OrderMoved;
  "payments.succeeded": PaymentSettled;
  "payments.failed": PaymentSettled;
  "payments.refunded": PaymentRefunded;
  "analytics.events": { events: BehaviourEvent[] };
  "courses.lesson_completed": LessonCompleted;
  "courses.completed": CourseCompleted;
  "catalog.product_changed": ProductView;
  "courses.course_changed": CourseListed;
  "cart.abandoned": CartAbandoned;
  "engagement.segment_entered": SegmentMoved;
  "engagement.segment_left": SegmentMoved;
  "documents.processed": DocumentProcessed;
  "quizzes.graded": QuizGraded;
  "courses.enrolment_revoked": EnrolmentRevoked;
  "classroom.session_ended": LiveSessionEnded;
  "audit.recorded": AuditAct;
}

/**
 * A message of one of the channels `C`, told apart by its `type`: checking the type narrows
 * `data` to that channel's payload, so a consumer reads its payloads with no cast.
 */
export type ChannelMessageOf<C extends ChannelName> = {
  [K in C]: { id: string; type: K; ts: string; data: ChannelPayloads[K] };
}[C];

/** A fact ready to be told: a channel and the payload that channel carries. */
export type ChannelEvent = {
  [C in ChannelName]: { type: C; data: ChannelPayloads[C] };
}[ChannelName];
