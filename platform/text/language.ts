import winkNLP, { type WinkMethods } from "wink-nlp";
import model from "wink-eng-lite-web-model";

/**
 * English text as the study assistant reads it: sentences, words, and the things a sentence
 * names (numbers, dates, names). wink-nlp with its lite English model: an npm package with
 * no download at run time, about 0.1 ms a sentence. Knows no shop word.
 */
let nlp: WinkMethods | undefined;
const engine = (): WinkMethods => (nlp ??= winkNLP(model));

export interface Span {
  text: string;
  start: number;
  end: number;
}

/** The sentences of a text, each where it sits in the text. */
export function sentencesOf(text: string): Span[] {
  const its = engine().its;
  const spans: Span[] = [];
  let from = 0;
  for (const sentence of engine().readDoc(text).sentences().out(its.value) as string[]) {
    const start = text.indexOf(sentence, from);
    if (start < 0) continue;
    spans.push({ text: sentence, start, end: start + sentence.length });
    from = start + sentence.length;
  }
  return spans;
}

export interface Word {
  text: string;
  /** Lower case, as written. */
  normal: string;
  /** The word's stem (`moons` → `moon`); a number is its own stem. */
  stem: string;
  /** Universal part of speech: NOUN, PROPN, NUM, VERB, … */
  pos: string;
  /** A word too common to tell sentences apart ("the", "is", "of"). */
  stop: boolean;
}

const NUMERIC = /^[\d.,]+$/;

/** The words of a text, punctuation left out. */
export function wordsOf(text: string): Word[] {
  const its = engine().its;
  const tokens = engine().readDoc(text).tokens();
  const values = tokens.out(its.value) as string[];
  const normals = tokens.out(its.normal) as string[];
  // The lite model carries the stemmer; its typing wants the addons handed in, which `out` does.
  const stems = tokens.out(its.stem as never) as string[];
  const kinds = tokens.out(its.type) as string[];
  const tags = tokens.out(its.pos) as string[];
  const stops = tokens.out(its.stopWordFlag) as unknown as boolean[];
  const words: Word[] = [];
  values.forEach((value, i) => {
    if (kinds[i] === "punctuation" || kinds[i] === "symbol") return;
    const normal = normals[i];
    words.push({
      text: value,
      normal,
      stem: NUMERIC.test(normal) ? normal : stems[i],
      pos: tags[i],
      stop: stops[i],
    });
  });
  return words;
}

/** What a named thing is: the kind of answer a question expects, and a distractor's kind. */
export type EntityKind = "number" | "date" | "name" | "term";

export interface Entity {
  text: string;
  kind: EntityKind;
}

/** Counts and dates; an amount of money or a percentage is not swapped with a count. */
const KIND_OF: Record<string, EntityKind> = {
  CARDINAL: "number",
  DATE: "date",
};

/**
 * Numbers and dates the model finds, and names: runs of proper nouns (the lite model has no
 * person tagger, so "Galileo Galilei" and "Jupiter" are both names).
 */
export function entitiesOf(sentence: string): Entity[] {
  const its = engine().its;
  const doc = engine().readDoc(sentence);
  const found: Entity[] = [];
  for (const detail of doc.entities().out(its.detail) as { value: string; type: string }[]) {
    const kind = KIND_OF[detail.type];
    if (kind && /\d/.test(detail.value)) found.push({ text: detail.value, kind });
  }
  const values = doc.tokens().out(its.value) as string[];
  const tags = doc.tokens().out(its.pos) as string[];
  // A sentence's first word is capitalised whatever it is: alone, a name only if it stays one
  // in lower case ("Light from the Sun" is not a name, "Jupiter has" is).
  if (tags[0] === "PROPN" && tags[1] !== "PROPN" && !isProperInLowerCase(sentence))
    tags[0] = "NOUN";
  let run: string[] = [];
  const endRun = () => {
    if (run.length) found.push({ text: run.join(" ").replace(/[.,;:!?]+$/, ""), kind: "name" });
    run = [];
  };
  values.forEach((value, i) => {
    if (tags[i] === "PROPN" && /^[A-Z]/.test(value) && !isMonth(value)) run.push(value);
    else endRun();
  });
  endRun();
  return found;
}

function isProperInLowerCase(sentence: string): boolean {
  const its = engine().its;
  const lowered = sentence.charAt(0).toLowerCase() + sentence.slice(1);
  return (engine().readDoc(lowered).tokens().out(its.pos) as string[])[0] === "PROPN";
}

const MONTHS = new Set(
  "january february march april may june july august september october november december".split(
    " ",
  ),
);
const isMonth = (word: string) => MONTHS.has(word.toLowerCase());

/** Lower case, no accents, one space: how two spellings of one answer are compared. */
export function plain(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}.]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}
