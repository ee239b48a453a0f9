import type { IndexSpec } from "../../platform/data/repository";

/**
 * What one message adds to one window, kept as a row of its own (`<window>:<messageId>`): the
 * row's existence is the message's dedupe mark, so no window document grows with the messages
 * it has counted. `foldPending` is set until the fold has added `inc` into the window.
 */
export interface WindowPart {
  id: string;
  windowStart: string;
  inc: Record<string, number>;
  foldPending?: 1;
}

/** A buyer seen in a window (`<window>:<userId>`), so unique buyers are counted, not listed. */
export interface WindowUser {
  id: string;
  windowStart: string;
}

export const PART_INDEXES: IndexSpec[] = [
  { fields: ["foldPending"], range: "number" },
  { fields: ["windowStart"], range: "string" },
];
export const WINDOW_USER_INDEXES: IndexSpec[] = [{ fields: ["windowStart"], range: "string" }];

export interface OrderWindowDoc {
  id: string;
  orders?: number;
  revenue?: number;
  uniqueUsers?: number;
  /** Windows written before buyers were counted in rows of their own listed them here. */
  users?: Record<string, true>;
  sold?: Record<string, number>;
}

export interface EventWindowDoc {
  id: string;
  counts?: Record<string, number>;
  views?: Record<string, number>;
  /** Events that arrived in this window too late for their own. */
  dropped?: number;
}

export interface OrderWindow {
  windowStart: string;
  orders: number;
  revenue: number;
  uniqueUsers: number;
  avgOrderValue: number;
}
