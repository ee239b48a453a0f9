import { OrderWindowDoc, OrderWindow } from "./model";

/** One-minute tumbling windows, keyed by their start (ISO, UTC). */
export const WINDOW_MS = 60_000;
export const MAX_RANGE_WINDOWS = 24 * 60;

export function windowStartOf(time: string | number): string {
  const ms = typeof time === "number" ? time : Date.parse(time);
  return new Date(Math.floor(ms / WINDOW_MS) * WINDOW_MS).toISOString();
}

/** An event is too late once its window has been closed for longer than the allowed lateness. */
export function isTooLate(eventTime: string, nowMs: number, latenessMs: number): boolean {
  const windowEnd = Date.parse(windowStartOf(eventTime)) + WINDOW_MS;
  return nowMs > windowEnd + latenessMs;
}

/** Event types may hold dots, which are paths in documents: `_` → `_u`, `.` → `_d`, reversibly. */
export function encodeKey(name: string): string {
  return name.replace(/_/g, "_u").replace(/\./g, "_d");
}

export function decodeKey(key: string): string {
  return key.replace(/_d/g, ".").replace(/_u/g, "_");
}

/** Every window start in [from, to), for a range that the caller has bounded. */
export function windowStarts(from: string, to: string): string[] {
  const starts: string[] = [];
  for (let t = Date.parse(windowStartOf(from)); t < Date.parse(to); t += WINDOW_MS)
    starts.push(new Date(t).toISOString());
  return starts;
}

export function summarizeOrders(windowStart: string, doc?: OrderWindowDoc): OrderWindow {
  const orders = doc?.orders ?? 0;
  const revenue = doc?.revenue ?? 0;
  return {
    windowStart,
    orders,
    revenue,
    uniqueUsers: doc?.uniqueUsers ?? Object.keys(doc?.users ?? {}).length,
    avgOrderValue: orders > 0 ? Math.round(revenue / orders) : 0,
  };
}

/** Sums per-key counts over windows and keeps the `limit` largest. */
export function topCounts(
  maps: (Record<string, number> | undefined)[],
  limit: number,
): { key: string; count: number }[] {
  const totals = new Map<string, number>();
  for (const map of maps)
    for (const [key, n] of Object.entries(map ?? {})) totals.set(key, (totals.get(key) ?? 0) + n);
  return [...totals]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([key, count]) => ({ key, count }));
}
