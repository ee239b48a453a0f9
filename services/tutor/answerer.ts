import type { AnswerPassage, ExpectedKind } from "../../contracts/tutor";
import { entitiesOf, type EntityKind } from "../../platform/text/language";
import type { Candidate } from "./retrieval";

/**
 * What turns ranked passages into an answer. Only the extractive one ships; a deployment with a
 * local language model could hand in its own, given the same passages, and must cite them too.
 */
export interface Answerer {
  answer(question: string, expected: ExpectedKind, candidates: Candidate[]): AnswerPassage[];
}

/** A sentence that holds less of the question than this is not an answer to it. */
export const COVERAGE_THRESHOLD = 0.5;
const MAX_SENTENCES = 3;

const KIND_FOR: Record<Exclude<ExpectedKind, "any">, EntityKind> = {
  name: "name",
  date: "date",
  number: "number",
};

/** From the question word: who → a name, when → a date, how many → a number. */
export function expectedKindOf(question: string): ExpectedKind {
  const q = question.toLowerCase();
  if (
    /\b(how (many|much|long|far|old|big|hot|fast)|what (percentage|temperature|number))\b/.test(q)
  )
    return "number";
  if (/\b(when|what year|which year|what date|in what century)\b/.test(q)) return "date";
  if (/\b(who|whom|whose)\b/.test(q)) return "name";
  return "any";
}

/**
 * The best sentences, as written: ranked by how much of the question they hold, then by their
 * passage's relevance, with a lift for those that hold the kind of thing asked for. Sentences
 * under the threshold are dropped; none left means the sources do not say.
 */
export const extractiveAnswerer: Answerer = {
  answer(_question, expected, candidates) {
    const scored = candidates
      .filter((c) => c.coverage >= COVERAGE_THRESHOLD)
      .map((c) => ({
        c,
        score: c.coverage + fits(c.sentence, expected) * 0.25 + Math.min(c.relevance, 20) / 100,
      }))
      .sort((a, b) => b.score - a.score);
    const chosen: AnswerPassage[] = [];
    const seen = new Set<string>();
    for (const { c, score } of scored) {
      if (chosen.length >= MAX_SENTENCES) break;
      if (seen.has(c.sentence)) continue;
      // Further sentences only when nearly as good as the best: one answer, not a page.
      if (chosen.length && score < chosen[0].score * 0.85) break;
      seen.add(c.sentence);
      chosen.push({
        text: c.sentence,
        documentId: c.passage.documentId,
        documentName: c.passage.documentName,
        page: c.passage.page,
        score: Math.round(score * 1000) / 1000,
      });
    }
    return chosen;
  },
};

function fits(sentence: string, expected: ExpectedKind): number {
  if (expected === "any") return 0;
  return entitiesOf(sentence).some((e) => e.kind === KIND_FOR[expected]) ? 1 : -1;
}
