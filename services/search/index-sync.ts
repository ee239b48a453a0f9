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
 * `syncedAt` (those few are read again); a page that could not move past its start ends it.
 */
export async function syncIndex(
  docs: SearchDocs,
  index: SearchIndex,
  upTo: string,
): Promise<{ read: number; upTo: string }> {
  let from = new Date(Date.parse(upTo) - SYNC_OVERLAP_MS).toISOString();
  let read = 0;
  for (;;) {
    const page = await docs.find(
      { syncedAt: { $gte: from } },
      { sort: { syncedAt: 1 }, limit: SYNC_BATCH },
    );
    for (const doc of page) index.upsert(doc);
    read += page.length;
    const last = page.at(-1)?.syncedAt;
    if (!last) return { read, upTo };
    if (last > upTo) upTo = last;
    if (page.length < SYNC_BATCH || last === from) return { read, upTo };
    from = last;
  }
}
