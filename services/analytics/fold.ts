import { ownValue } from "../../platform/data/own-value";
import type { Repository } from "../../platform/data/repository";
import { insertNew } from "./window-parts";
import { type WindowPart, type WindowUser } from "./model";

/** How many pending parts one pass reads; a full batch makes the pass go on. */
export const FOLD_BATCH = 500;

export interface FoldedWindow {
  id: string;
  windowStart?: string;
  /** Bumped by every fold: two nodes folding one window at once cannot both write. */
  version?: number;
  /** The parts the last fold added; cleared of their pending mark before the next fold. */
  lastBatch?: string[];
  uniqueUsers?: number;
}

export interface FoldStores {
  parts: Repository<WindowPart>;
  windows: Repository<FoldedWindow>;
  /** Buyers per window, when the windows count unique buyers. */
  users?: Repository<WindowUser>;
}

function sumIncs(parts: WindowPart[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const part of parts)
    for (const [key, n] of Object.entries(part.inc)) total[key] = (ownValue(total, key) ?? 0) + n;
  return total;
}

async function windowDoc(
  windows: Repository<FoldedWindow>,
  windowStart: string,
): Promise<FoldedWindow> {
  const found = await windows.findById(windowStart);
  if (found) return found;
  // Not an upsert: a node that lost the race must not set a folded window back to version 0.
  await insertNew(windows, [{ id: windowStart, windowStart, version: 0 }]);
  return (await windows.findById(windowStart))!;
}

/**
 * Adds one window's pending parts into it, exactly once, without a transaction across rows.
 * - The window write is conditional on the version read, so of two nodes folding one window at
 *   once only one writes.
 * - The window remembers the batch it last added, and the next fold clears their marks before
 *   it reads which parts are pending: a crash between the window write and the marks leaves
 *   parts that look pending but are listed there, and those are only unmarked.
 * - Which candidates are still pending is read after the window, so a part another node added
 *   since this pass listed it is not added again.
 * Returns how many parts were added (0 when another fold got there first).
 */
export async function foldWindow(
  stores: FoldStores,
  windowStart: string,
  candidateIds: string[],
): Promise<number> {
  const window = await windowDoc(stores.windows, windowStart);
  const lastBatch = window.lastBatch ?? [];
  if (lastBatch.length)
    await stores.parts.updateMany(
      { id: { $in: lastBatch }, foldPending: { $gt: 0 } },
      { $unset: { foldPending: true } },
    );
  // Read after the last batch was unmarked: nothing already added can look pending here.
  const fresh = await stores.parts.find({ id: { $in: candidateIds }, foldPending: { $gt: 0 } });
  if (fresh.length === 0) return 0;
  const $set: Record<string, unknown> = {
    version: (window.version ?? 0) + 1,
    lastBatch: fresh.map((p) => p.id),
  };
  if (stores.users) {
    // Counted after the buyers' rows were written (they go in before their parts), and never
    // lowered: rows of old windows are swept after the dedupe horizon.
    const users = await stores.users.count({ windowStart });
    $set.uniqueUsers = Math.max(users, window.uniqueUsers ?? 0);
  }
  const written = await stores.windows.updateOne(
    { id: windowStart, version: window.version ?? 0 },
    { $inc: sumIncs(fresh), $set },
  );
  if (written === 0) return 0;
  await stores.parts.updateMany(
    { id: { $in: fresh.map((p) => p.id) } },
    { $unset: { foldPending: true } },
  );
  return fresh.length;
}

/** One pass: reads a batch of pending parts and folds each window they belong to. */
export async function foldPending(stores: FoldStores): Promise<{ read: number; added: number }> {
  const pending = await stores.parts.find({ foldPending: { $gt: 0 } }, { limit: FOLD_BATCH });
  const byWindow = new Map<string, string[]>();
  for (const part of pending) {
    const ids = byWindow.get(part.windowStart) ?? [];
    ids.push(part.id);
    byWindow.set(part.windowStart, ids);
  }
  let added = 0;
  for (const [windowStart, ids] of byWindow) added += await foldWindow(stores, windowStart, ids);
  return { read: pending.length, added };
}

/**
 * Drops parts and buyer rows of windows older than the dedupe horizon, when no copy of their
 * message can arrive any more. A part still waiting for the fold stays, and so do the buyers
 * of its window and later ones, which the fold will count.
 */
export async function sweepParts(stores: FoldStores, horizonMs: number, now = Date.now()) {
  const before = new Date(now - horizonMs).toISOString();
  let swept = await stores.parts.deleteMany({
    windowStart: { $lt: before },
    foldPending: { $exists: false },
  });
  if (stores.users) {
    const [oldestPending] = await stores.parts.find(
      { foldPending: { $gt: 0 }, windowStart: { $lt: before } },
      { sort: { windowStart: 1 }, limit: 1 },
    );
    const usersBefore = oldestPending?.windowStart ?? before;
    swept += await stores.users.deleteMany({ windowStart: { $lt: usersBefore } });
  }
  return swept;
}
