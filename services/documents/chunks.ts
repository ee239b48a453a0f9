import { sentencesOf } from "../../platform/text/language";
import type { ChunkDoc } from "./model";

export const SENTENCES_PER_CHUNK = 3;
export const MAX_CHUNK_CHARS = 700;

/**
 * A document's pages cut into chunks of a few sentences, each with its page and where it sits
 * in that page's text. A chunk never spans two pages, so its citation is one page.
 */
export function chunksOf(documentId: string, pages: string[]): ChunkDoc[] {
  const chunks: ChunkDoc[] = [];
  pages.forEach((pageText, i) => {
    // Line ends become spaces of the same length: offsets stay offsets into the page's text.
    const flat = pageText.replace(/[\r\n]/g, " ");
    let group: { start: number; end: number }[] = [];
    const close = () => {
      if (!group.length) return;
      const start = group[0].start;
      const end = group[group.length - 1].end;
      const text = flat.slice(start, end).replace(/\s+/g, " ").trim();
      if (text) {
        const index = chunks.length;
        chunks.push({
          id: `${documentId}-${index}`,
          documentId,
          page: i + 1,
          index,
          start,
          end,
          text,
        });
      }
      group = [];
    };
    for (const sentence of sentencesOf(flat)) {
      const length = group.length ? sentence.end - group[0].start : sentence.text.length;
      if (group.length && (group.length >= SENTENCES_PER_CHUNK || length > MAX_CHUNK_CHARS))
        close();
      group.push(sentence);
    }
    close();
  });
  return chunks;
}

/** An uploaded file's name as shown: its last part, no control characters, at most 200. */
export function displayName(raw: unknown): string {
  const text = typeof raw === "string" ? raw.slice(0, 1000) : "";
  const last = text.split(/[\\/]/).pop() ?? "";
  const clean = last
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .trim()
    .slice(0, 200);
  return clean || "document.pdf";
}
