import type { Passage } from "../../contracts/documents";
import { QuestionKind, type QuestionSource } from "../../contracts/quizzes";
import {
  entitiesOf,
  plain,
  sentencesOf,
  wordsOf,
  type EntityKind,
} from "../../platform/text/language";
import type { QuestionDoc } from "./model";
import { seededRandom, shuffled, type Random } from "./seeded-random";

export const BLANK = "_____";
const MIN_WORDS = 6;
const MAX_WORDS = 40;

interface Answer {
  text: string;
  kind: EntityKind;
}

interface KeySentence {
  text: string;
  source: QuestionSource;
  order: number;
  score: number;
  answers: Answer[];
}

export interface GenerateAsk {
  count: number;
  kinds: readonly QuestionKind[];
  seed: string;
}

/**
 * Questions from a document's key sentences: a sentence scores by how rare its words are in
 * the document and by the numbers, dates and names it holds; its answer is one of those, or
 * its rarest noun. Rule-based and extractive: every answer is a span of the source sentence.
 * The same passages and seed give the same questions.
 */
export function generateQuestions(passages: Passage[], ask: GenerateAsk): QuestionDoc[] {
  const random = seededRandom(ask.seed);
  const sentences = keySentences(passages);
  const pool = answerPool(sentences);
  const questions: QuestionDoc[] = [];
  let turn = Math.floor(random() * ask.kinds.length);
  for (const sentence of sentences) {
    if (questions.length >= ask.count) break;
    const answer = sentence.answers[Math.floor(random() * sentence.answers.length)];
    const kind = ask.kinds[turn % ask.kinds.length];
    const question = questionOf(kind, sentence, answer, pool, random, questions.length + 1);
    if (!question) continue;
    questions.push(question);
    turn++;
  }
  return questions;
}

/** Sentences of a fitting length that hold an answer, best first (ties in document order). */
function keySentences(passages: Passage[]): KeySentence[] {
  const found: Omit<KeySentence, "score">[] = [];
  const seen = new Set<string>();
  for (const passage of passages)
    for (const span of sentencesOf(passage.text)) {
      const text = span.text.trim();
      const count = text.split(/\s+/).length;
      if (count < MIN_WORDS || count > MAX_WORDS || seen.has(plain(text))) continue;
      seen.add(plain(text));
      const answers = answersIn(text);
      if (!answers.length) continue;
      const source = {
        documentId: passage.documentId,
        documentName: passage.documentName,
        page: passage.page,
      };
      found.push({ text, source, order: found.length, answers });
    }
  const weights = rarity(found.map((s) => s.text));
  return found
    .map((sentence) => ({ ...sentence, score: scoreOf(sentence, weights) }))
    .sort((a, b) => b.score - a.score || a.order - b.order);
}

/** Numbers, dates and names in a sentence, else its rarest nouns; each once in the sentence. */
function answersIn(text: string): Answer[] {
  const once = (answer: Answer) =>
    answer.text.length > 1 && text.indexOf(answer.text) === text.lastIndexOf(answer.text);
  const entities = entitiesOf(text).filter(once);
  if (entities.length) return entities;
  const nouns = wordsOf(text).filter(
    (w) => (w.pos === "NOUN" || w.pos === "PROPN") && !w.stop && w.text.length > 3,
  );
  return nouns.map((w) => ({ text: w.text, kind: "term" as const })).filter(once);
}

/** How rare each word stem is across the document's sentences (inverse document frequency). */
function rarity(texts: string[]): Map<string, number> {
  const documentFrequency = new Map<string, number>();
  for (const text of texts)
    for (const stem of new Set(wordsOf(text).map((w) => w.stem)))
      documentFrequency.set(stem, (documentFrequency.get(stem) ?? 0) + 1);
  const weights = new Map<string, number>();
  for (const [stem, df] of documentFrequency) weights.set(stem, Math.log(1 + texts.length / df));
  return weights;
}

function scoreOf(sentence: Omit<KeySentence, "score">, weights: Map<string, number>): number {
  const words = wordsOf(sentence.text).filter((w) => !w.stop);
  const weight = words.reduce((sum, w) => sum + (weights.get(w.stem) ?? 0), 0);
  const named = sentence.answers.filter((a) => a.kind !== "term").length;
  return weight / Math.sqrt(words.length + 1) + named;
}

/** Every answer of the document by kind: where distractors of the same kind come from. */
function answerPool(sentences: KeySentence[]): Map<EntityKind, string[]> {
  const pool = new Map<EntityKind, Map<string, string>>();
  for (const sentence of sentences)
    for (const answer of sentence.answers) {
      const ofKind = pool.get(answer.kind) ?? new Map<string, string>();
      if (!ofKind.has(plain(answer.text))) ofKind.set(plain(answer.text), answer.text);
      pool.set(answer.kind, ofKind);
    }
  return new Map([...pool].map(([kind, texts]) => [kind, [...texts.values()].sort()]));
}

/** Others of the answer's kind that the sentence does not already name. */
function distractors(
  sentence: string,
  answer: Answer,
  pool: Map<EntityKind, string[]>,
  random: Random,
  count: number,
): string[] {
  const named = plain(sentence);
  const words = (text: string) => text.split(/\s+/).length;
  const others = (pool.get(answer.kind) ?? []).filter(
    (t) => plain(t) !== plain(answer.text) && !named.includes(plain(t)),
  );
  // A two-word name among one-word ones gives itself away: alike in length first.
  const alike = others.filter((t) => words(t) === words(answer.text));
  if (alike.length >= count) return shuffled(alike, random).slice(0, count);
  return shuffled(others, random).slice(0, count);
}

function questionOf(
  kind: QuestionKind,
  sentence: KeySentence,
  answer: Answer,
  pool: Map<EntityKind, string[]>,
  random: Random,
  n: number,
): QuestionDoc | null {
  const id = `q${n}`;
  const base = { id, points: 1, source: sentence.source };
  const blanked = sentence.text.replace(answer.text, BLANK);
  if (kind === QuestionKind.CHOICE) {
    const wrong = distractors(sentence.text, answer, pool, random, 3);
    if (wrong.length < 3) return null;
    const texts = shuffled([answer.text, ...wrong], random);
    const options = texts.map((text, i) => ({ id: "abcd"[i], text }));
    const right = options.find((o) => o.text === answer.text)!.id;
    return {
      ...base,
      kind,
      prompt: `Which completes the sentence? ${blanked}`,
      options,
      key: { options: [right] },
    };
  }
  if (kind === QuestionKind.TRUE_FALSE) {
    const [swap] = distractors(sentence.text, answer, pool, random, 1);
    const truth = !swap || random() < 0.5;
    const statement = truth ? sentence.text : sentence.text.replace(answer.text, swap);
    return { ...base, kind, prompt: `True or false: ${statement}`, key: { truth } };
  }
  if (kind === QuestionKind.CLOZE)
    return {
      ...base,
      kind,
      prompt: `Fill in the blank: ${blanked}`,
      key: { texts: [answer.text] },
    };
  return null;
}
