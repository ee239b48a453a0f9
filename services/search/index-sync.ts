import type { SearchDocs } from "./model";
import type { SearchIndex } from "./search-index";

const SYNC_BATCH = 1000;
/**
 * Nodes' clocks differ and writes commit out of order: each pass reads again a little before
 * where the last one ended. Reading a document twice costs a replace, never a wrong answer.
 */
const SYNC_OVERLAP_MS = 5000;

/** Where a node's index stands: the newest `syncedAt` it read, and when that last moved. */
export interface SyncCursor {
  upTo: string;
  movedAt: number;
}

export const START_OF_TIME: SyncCursor = { upTo: new Date(0).toISOString(), movedAt: 0 };

/**
 * Reads what the store took since the cursor into the index, a page at a time; answers how
 * many documents it read and where the next pass starts. A page starts at the last one's final
 * `syncedAt` (those few are read again). A whole page at one instant (a bulk load) is read
 * through by id, and the pass goes on past that instant.
 */
export async function syncIndex(
  docs: SearchDocs,
  index: SearchIndex,
  cursor: SyncCursor,
  batch = SYNC_BATCH,
  now = Date.now(),
): Promise<{ read: number; cursor: SyncCursor }> {
  // A late commit shows up within the overlap of the cursor's last move; after that, only
  // what is newer is read, so a quiet store costs one empty read a pass.
  const settled = now - cursor.movedAt > SYNC_OVERLAP_MS;
  let from = settled
    ? cursor.upTo
    : new Date(Date.parse(cursor.upTo) - SYNC_OVERLAP_MS).toISOString();
  let past = settled;
  let upTo = cursor.upTo;
  let read = 0;
  for (;;) {
    const page = await docs.find(
      { syncedAt: past ? { $gt: from } : { $gte: from } },
      { sort: { syncedAt: 1 }, limit: batch },
    );
    for (const doc of page) index.upsert(doc);
    read += page.length;
    const last = page.at(-1)?.syncedAt;
    if (last && last > upTo) upTo = last;
    if (!last || page.length < batch) break;
    if (last !== from || past) {
      from = last;
      past = false;
      continue;
    }
    read += await readInstant(docs, index, from, batch);
    past = true;
  }
  return {
    read,
    cursor: upTo === cursor.upTo ? cursor : { upTo, movedAt: now },
  };
}

/** Every document taken at one instant, by id. */
async function readInstant(
  docs: SearchDocs,
  index: SearchIndex,
  at: string,
  batch: number,
): Promise<number> {
  let read = 0;
  for (let after = ""; ;) {
    const page = await docs.find(
      { syncedAt: at, id: { $gt: after } },
      { sort: { id: 1 }, limit: batch },
    );
    for (const doc of page) index.upsert(doc);
    read += page.length;
    if (page.length < batch) return read;
    after = page.at(-1)!.id;
  }
}

/** How long a listing waits for the index to hold the catalog's newest write. */
export const FRESH_WAIT_MS = 2000;
const FRESH_POLL_MS = 20;

/**
 * Waits, a bounded while, until the index holds the catalog's writes up to `at`, hurrying the
 * sync along. Answers whether it does: past the bound, the caller answers with what it has
 * (the lag metric and its alert tell the operator), rather than failing the shopper.
 */
export async function untilHolds(
  index: Pick<SearchIndex, "holdsProductsAsOf">,
  at: string,
  hurry: () => void,
  waitMs = FRESH_WAIT_MS,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (!index.holdsProductsAsOf(at)) {
    if (Date.now() >= deadline) return false;
    hurry();
    await new Promise((resolve) => setTimeout(resolve, FRESH_POLL_MS));
  }
  return true;
}
