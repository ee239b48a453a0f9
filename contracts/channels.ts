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

/**
 * The version each channel's messages are published at now. Its JSON Schema is
 * `contracts/events/<channel>.v<version>.json` (`npm run events:schemas`); consumers still read
 * every earlier version, raised to this one by the upcasters (docs/event-evolution.md).
 */
export const EVENT_VERSIONS: Record<EventName, number> = {
  "engagement.message": 1,
  "users.registered": 1,
  "orders.confirmed": 1,
  "orders.cancelled": 1,
  "orders.shipped": 1,
  "orders.delivered": 1,
  "orders.failed": 1,
  "payments.succeeded": 1,
  "payments.failed": 1,
  "payments.refunded": 2,
  "analytics.events": 1,
  "courses.lesson_completed": 1,
  "courses.completed": 1,
  "catalog.product_changed": 1,
  "courses.course_changed": 1,
  "cart.abandoned": 1,
  "engagement.segment_entered": 1,
  "engagement.segment_left": 1,
  "documents.processed": 1,
  "quizzes.graded": 1,
  "courses.enrolment_revoked": 1,
  "classroom.session_ended": 1,
  "audit.recorded": 1,
};

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

/**
 * v2: `refundedAt`, when the processor refunded (the message's `ts` is when it was told, which a
 * crash can delay), and the processor's `refundId`. A v1 message is read with `refundedAt` =
 * its `ts` and no `refundId`.
 */
export interface PaymentRefunded {
  paymentId: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  refundedAt: string;
  refundId?: string;
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

/** A message on the webhook channel, for the shop's own sender (SMS, chat): only webhooks hear it. */
export interface EngagementMessage {
  userId: string;
  /** The template's id. */
  type: string;
  /** The send's key: a retry of the same send has the same. */
  key: string;
  body: string;
}

/** Messages told to webhooks alone (not a channel between services), versioned like the channels. */
export interface WebhookOnlyPayloads {
  "engagement.message": EngagementMessage;
}
export type EventPayloads = ChannelPayloads & WebhookOnlyPayloads;
export type EventName = keyof EventPayloads;

/**
 * A message of one of the channels `C`, told apart by its `type`: checking the type narrows
 * `data` to that channel's payload, so a consumer reads its payloads with no cast.
 */
export type ChannelMessageOf<C extends ChannelName> = {
  [K in C]: { id: string; type: K; version: number; ts: string; data: ChannelPayloads[K] };
}[C];

/** A fact ready to be told: a channel and the payload that channel carries. */
export type ChannelEvent = {
  [C in ChannelName]: { type: C; data: ChannelPayloads[C] };
}[ChannelName];
