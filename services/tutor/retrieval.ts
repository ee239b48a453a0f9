import MiniSearch from "minisearch";
import type { Passage } from "../../contracts/documents";
import { sentencesOf, wordsOf } from "../../platform/text/language";

/** Content-word stems: how a question and a passage are compared ("takes" meets "take"). */
export const stemsOf = (text: string): string[] =>
  wordsOf(text)
    .filter((w) => !w.stop && /[\p{L}\p{N}]/u.test(w.normal))
    .map((w) => w.stem);

export interface Candidate {
  passage: Passage;
  sentence: string;
  /** The chunk's BM25 score. */
  relevance: number;
  /** The share of the question's weight (by rarity) that the sentence holds, 0 to 1. */
  coverage: number;
}

/**
 * An index of a set of passages: BM25 over their stems (MiniSearch), and each stem's rarity, so
 * a question's words count by how much they tell passages apart.
 */
export class PassageIndex {
  private readonly search: MiniSearch<{ id: number; text: string }>;
  private readonly documentFrequency = new Map<string, number>();

  constructor(readonly passages: Passage[]) {
    // Each passage is read into stems once; the index takes them as written.
    const stems = passages.map((p) => stemsOf(p.text));
    this.search = new MiniSearch({
      fields: ["text"],
      tokenize: (text) => text.split(" "),
      processTerm: (term) => term,
      searchOptions: { combineWith: "OR" },
    });
    this.search.addAll(stems.map((words, id) => ({ id, text: words.join(" ") })));
    for (const words of stems)
      for (const stem of new Set(words))
        this.documentFrequency.set(stem, (this.documentFrequency.get(stem) ?? 0) + 1);
  }

  /** A word no passage holds weighs the most: a question about it is not answered here. */
  weightOf(stem: string): number {
    const df = this.documentFrequency.get(stem) ?? 0;
    return Math.log(1 + (this.passages.length + 1) / (df + 0.5));
  }

  /** The sentences of the best passages for these stems, each with how much of them it holds. */
  candidates(stems: string[], passagesToRead = 8): Candidate[] {
    const unique = [...new Set(stems)];
    if (!unique.length) return [];
    const total = unique.reduce((sum, s) => sum + this.weightOf(s), 0);
    const hits = this.search.search(unique.join(" ")).slice(0, passagesToRead);
    const out: Candidate[] = [];
    for (const hit of hits) {
      const passage = this.passages[hit.id as number];
      for (const sentence of sentencesOf(passage.text)) {
        const held = new Set(stemsOf(sentence.text));
        const covered = unique
          .filter((s) => held.has(s))
          .reduce((sum, s) => sum + this.weightOf(s), 0);
        out.push({
          passage,
          sentence: sentence.text,
          relevance: hit.score,
          coverage: covered / total,
        });
      }
    }
    return out;
  }
}
