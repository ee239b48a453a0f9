import type { SearchDocs } from "./model";
import type { SearchIndex } from "./search-index";

const SYNC_BATCH = 1000;
/**
 * Nodes' clocks differ and writes commit out of order: each pass reads again a little before
 * where the last one ended. Reading a document twice costs a replace, never a wrong answer.
 */
const SYNC_OVERLAP_MS = 5000;

/**
 * Reads what the store took since `upTo` into the index, a page at a time; answers how many
 * documents it read and where the next pass starts. A page starts at the last one's final
 * `syncedAt` (those few are read again). A whole page at one instant (a bulk load) is read
 * through by id, and the pass goes on past that instant.
 */
export async function syncIndex(
  docs: SearchDocs,
  index: SearchIndex,
  upTo: string,
  batch = SYNC_BATCH,
): Promise<{ read: number; upTo: string }> {
  let from = new Date(Date.parse(upTo) - SYNC_OVERLAP_MS).toISOString();
  let past = false;
  let read = 0;
  for (;;) {
    const page = await docs.find(
      { syncedAt: past ? { $gt: from } : { $gte: from } },
      { sort: { syncedAt: 1 }, limit: batch },
    );
    for (const doc of page) index.upsert(doc);
    read += page.length;
    const last = page.at(-1)?.syncedAt;
    if (!last) return { read, upTo };
    if (last > upTo) upTo = last;
    if (page.length < batch) return { read, upTo };
    if (last !== from || past) {
      from = last;
      past = false;
      continue;
    }
    read += await readInstant(docs, index, from, batch);
    past = true;
  }
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
