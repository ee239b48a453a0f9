import type { Cart } from "./cart";
import type { Admission } from "./classroom";
import type { DocumentIndexEntry, PassagesAnswer, PassagesAsk } from "./documents";
import type { CourseListed } from "./channels";
import type { Listing, ProductView, StockLine } from "./catalog";
import type { Delivery } from "./notifications";
import type { ProductSearch } from "./search";
import type { MessageChannel, SendAnswer, SendAsk } from "./engagement";
import type { ChargeInput, PaymentView, RefundInput } from "./payments";
import type { Principal, Role, SessionsEnded } from "./users";

/**
 * The actions one service calls on another: each name selects its params and its answer, so
 * a call with a wrong name, a missing field or a misread answer fails the type check.
 */
export interface ActionContracts {
  "catalog.getMany": { params: { ids: string[] }; answer: ProductView[] };
  "catalog.putListing": { params: Listing; answer: ProductView };
  "courses.admit": { params: { userId: string; productIds: string[] }; answer: { admitted: true } };
  "catalog.reserve": {
    params: { orderId: string; items: StockLine[] };
    answer: { orderId: string; reserved: true };
  };
  "catalog.commit": { params: { orderId: string }; answer: { orderId: string; committed: true } };
  "catalog.release": { params: { orderId: string }; answer: { orderId: string; released: true } };
  "catalog.restock": { params: { orderId: string }; answer: { orderId: string; restocked: true } };
  "payments.charge": { params: ChargeInput; answer: PaymentView };
  "payments.refund": { params: RefundInput; answer: PaymentView };
  "cart.ofUser": { params: { userId: string }; answer: Cart };
  "cart.clearOfUser": { params: { userId: string }; answer: { cleared: true } };
  /** The channels that can reach a user now: the inbox always, e-mail with an address. */
  "notifications.reachable": { params: { userId: string }; answer: { channels: MessageChannel[] } };
  /** Bazaar's own message, once a key on each channel, in the words made for that channel. */
  "notifications.deliver": { params: Delivery; answer: { delivered: MessageChannel[] } };
  "orders.lastOrderAt": { params: { userId: string }; answer: string | null };
  "users.contactOf": { params: { userId: string }; answer: { email: string; name: string } | null };
  "users.resolveApiKey": { params: { key: string }; answer: Principal | null };
  "users.sessionsEnded": { params: { since: string }; answer: SessionsEnded[] };
  "users.register": {
    params: { email: string; password: string; name: string };
    answer: { user: { id: string }; token: string };
  };
  "users.setRoles": {
    params: { id: string; roles: Role[] };
    answer: { id: string; roles: Role[] };
  };
  "courses.seed": { params: { instructorId: string }; answer: { seeded: number } };
  "catalog.indexPage": { params: { after?: string; limit: number }; answer: ProductView[] };
  "courses.indexPage": { params: { after?: string; limit: number }; answer: CourseListed[] };
  "search.products": { params: ProductSearch; answer: { ids: string[]; total: number } };
  "engagement.decide": { params: SendAsk; answer: SendAnswer };
  /** Which of these courses the user learns (an active enrolment) or teaches. */
  "courses.studiedBy": { params: { userId: string; courseIds: string[] }; answer: string[] };
  /** A ready document the instructor may read becomes readable by the course's learners. */
  "documents.attachToCourse": {
    params: { documentId: string; courseId: string; instructorId: string };
    answer: { attached: true };
  };
  /** A quiz its course's instructor may take becomes takeable by the course's learners. */
  "quizzes.attachToCourse": {
    params: { quizId: string; courseId: string; instructorId: string };
    answer: { attached: true };
  };
  /** The chunks of the ready documents the reader may read: what quizzes and the tutor use. */
  "documents.passages": { params: PassagesAsk; answer: PassagesAnswer };
  /** A document's chunks and readers, for the search index; null once it is gone. */
  "documents.indexOf": { params: { documentId: string }; answer: DocumentIndexEntry | null };
  /** Every document's id, a page at a time after `after`: how the search index is rebuilt. */
  "documents.indexPage": { params: { after?: string; limit: number }; answer: string[] };
  /** A participant joins a live session's room (the gateway asks, as the participant). */
  "classroom.join": { params: { sessionId: string; lastSeq?: number }; answer: Admission };
  /** A participant's message to the room: told to all, or refused to them alone. */
  "classroom.send": {
    params: { sessionId: string; frame: string };
    answer: { told: number } | { error: string; message: string };
  };
  "classroom.leave": { params: { sessionId: string }; answer: { left: true } };
  /** Who teaches a course; null when there is no such course. */
  "courses.instructorOf": { params: { courseId: string }; answer: string | null };
  /** The courses a user learns (active enrolments) or teaches. */
  "courses.coursesOf": { params: { userId: string }; answer: string[] };
  /** A page of a course's learners (active enrolments), by user id, after `after`. */
  "courses.learnersOf": {
    params: { courseId: string; after?: string; limit: number };
    answer: string[];
  };
}

export type ActionName = keyof ActionContracts;
export type ParamsOf<A extends ActionName> = ActionContracts[A]["params"];
export type AnswerOf<A extends ActionName> = ActionContracts[A]["answer"];

/** A call by name with its own params: a value that can wait in a list (the saga's effects). */
export type ActionCall = { [A in ActionName]: [A, ParamsOf<A>] }[ActionName];

/**
 * Every action of every service, by service: the one place an action's name is spelt. Routes,
 * the REPL and typed calls name actions through it (`Action.catalog.reserve`); a test keeps it
 * equal to the services' own action lists.
 */
export const Action = {
  api: {
    live: "api.live",
    ready: "api.ready",
    details: "api.details",
    cluster: "api.cluster",
    openapi: "api.openapi",
    home: "api.home",
    docsPage: "api.docsPage",
    docsAsset: "api.docsAsset",
  },
  users: {
    register: "users.register",
    login: "users.login",
    me: "users.me",
    updateMe: "users.updateMe",
    setRoles: "users.setRoles",
    sessionsEnded: "users.sessionsEnded",
    createApiKey: "users.createApiKey",
    listApiKeys: "users.listApiKeys",
    revokeApiKey: "users.revokeApiKey",
    contactOf: "users.contactOf",
    resolveApiKey: "users.resolveApiKey",
  },
  catalog: {
    list: "catalog.list",
    get: "catalog.get",
    bySku: "catalog.bySku",
    getMany: "catalog.getMany",
    create: "catalog.create",
    update: "catalog.update",
    remove: "catalog.remove",
    reserve: "catalog.reserve",
    commit: "catalog.commit",
    release: "catalog.release",
    restock: "catalog.restock",
    seed: "catalog.seed",
    putListing: "catalog.putListing",
    indexPage: "catalog.indexPage",
  },
  cart: {
    get: "cart.get",
    setItem: "cart.setItem",
    removeItem: "cart.removeItem",
    clear: "cart.clear",
    ofUser: "cart.ofUser",
    clearOfUser: "cart.clearOfUser",
  },
  orders: {
    create: "orders.create",
    list: "orders.list",
    get: "orders.get",
    inspect: "orders.inspect",
    backlog: "orders.backlog",
    lastOrderAt: "orders.lastOrderAt",
    cancel: "orders.cancel",
    ship: "orders.ship",
    deliver: "orders.deliver",
  },
  payments: {
    charge: "payments.charge",
    refund: "payments.refund",
    ofOrder: "payments.ofOrder",
    list: "payments.list",
  },
  notifications: {
    list: "notifications.list",
    markRead: "notifications.markRead",
    reachable: "notifications.reachable",
    deliver: "notifications.deliver",
    createWebhook: "notifications.createWebhook",
    listWebhooks: "notifications.listWebhooks",
    removeWebhook: "notifications.removeWebhook",
    deliveries: "notifications.deliveries",
  },
  analytics: {
    ingest: "analytics.ingest",
    orders: "analytics.orders",
    events: "analytics.events",
    topProducts: "analytics.topProducts",
  },
  courses: {
    create: "courses.create",
    update: "courses.update",
    publish: "courses.publish",
    archive: "courses.archive",
    addModule: "courses.addModule",
    addLesson: "courses.addLesson",
    updateLesson: "courses.updateLesson",
    reorder: "courses.reorder",
    list: "courses.list",
    get: "courses.get",
    getLesson: "courses.getLesson",
    enrol: "courses.enrol",
    admit: "courses.admit",
    completeLesson: "courses.completeLesson",
    myEnrolments: "courses.myEnrolments",
    myProgress: "courses.myProgress",
    certificate: "courses.certificate",
    seed: "courses.seed",
    indexPage: "courses.indexPage",
    studiedBy: "courses.studiedBy",
    coursesOf: "courses.coursesOf",
    instructorOf: "courses.instructorOf",
    learnersOf: "courses.learnersOf",
  },
  engagement: {
    myPreferences: "engagement.myPreferences",
    setMyPreferences: "engagement.setMyPreferences",
    unsubscribe: "engagement.unsubscribe",
    profile: "engagement.profile",
    rebuildProfile: "engagement.rebuildProfile",
    rebuildProfiles: "engagement.rebuildProfiles",
    decide: "engagement.decide",
    decisions: "engagement.decisions",
    createSegment: "engagement.createSegment",
    listSegments: "engagement.listSegments",
    getSegment: "engagement.getSegment",
    updateSegment: "engagement.updateSegment",
    segmentMembers: "engagement.segmentMembers",
    createJourney: "engagement.createJourney",
    listJourneys: "engagement.listJourneys",
    getJourney: "engagement.getJourney",
    updateJourney: "engagement.updateJourney",
    journeyStats: "engagement.journeyStats",
    journeyRuns: "engagement.journeyRuns",
    createTemplate: "engagement.createTemplate",
    listTemplates: "engagement.listTemplates",
    getTemplate: "engagement.getTemplate",
    updateTemplate: "engagement.updateTemplate",
    previewTemplate: "engagement.previewTemplate",
    templateStats: "engagement.templateStats",
    click: "engagement.click",
  },
  search: {
    query: "search.query",
    products: "search.products",
    suggest: "search.suggest",
    rebuild: "search.rebuild",
  },
} as const;
