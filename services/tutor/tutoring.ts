import type { TutorAnswer, TutorTurn } from "../../contracts/tutor";
import { extractiveAnswerer, expectedKindOf, type Answerer } from "./answerer";
import { stemsOf, type PassageIndex } from "./retrieval";

/** Words that frame a question ("how long", "how many") and say nothing of its subject. */
const FRAMING = new Set([
  "long",
  "mani",
  "many",
  "much",
  "far",
  "old",
  "big",
  "doe",
  "does",
  "did",
  "kind",
  "type",
]);

/** "And when was that?": a question that leans on the last one for its subject. */
const LEANS_BACK = /\b(that|it|this|they|them|he|she|him|her|there|then|those|these)\b/i;

const subjectOf = (question: string) => stemsOf(question).filter((s) => !FRAMING.has(s));

/**
 * Answers a question from the indexed passages; a short follow-up borrows the subject of the
 * last question. Below the threshold it says the sources do not say, and which it searched.
 */
export function answerQuestion(
  index: PassageIndex,
  searched: { id: string; name: string }[],
  question: string,
  previous?: TutorTurn,
  answerer: Answerer = extractiveAnswerer,
): TutorAnswer {
  const expected = expectedKindOf(question);
  const own = subjectOf(question);
  let passages = answerer.answer(question, expected, index.candidates(own));
  // Only a question that cannot stand alone borrows: "what does a pacemaker do?" is its own.
  if (!passages.length && previous && (own.length < 2 || LEANS_BACK.test(question)))
    passages = answerer.answer(
      question,
      expected,
      index.candidates([...own, ...subjectOf(previous.question)]),
    );
  if (!passages.length)
    return {
      text: `The documents searched do not say: ${searched.map((d) => d.name).join(", ")}.`,
      passages,
      abstained: true,
      expected,
      searched,
    };
  return {
    text: passages.map((p) => p.text).join(" "),
    passages,
    abstained: false,
    expected,
    searched,
  };
}
