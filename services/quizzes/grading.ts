import { distance } from "fastest-levenshtein";
import { QuestionKind, type AnswerValue, type QuestionResult } from "../../contracts/quizzes";
import { invalid, type FieldProblem } from "../../platform/actions/errors";
import { plain, wordsOf } from "../../platform/text/language";
import type { QuestionDoc } from "./model";

/**
 * Whether a typed answer says what an accepted one says: the same letters whatever their case
 * and accents, the same number however written, the same content words whatever their endings
 * ("moons" for "moon"), or a small typo (one letter in five to eight, two in longer words).
 */
export function sameAnswer(given: string, accepted: string): boolean {
  const numberOf = (text: string) => Number(text.trim().replace(/,/g, ""));
  if (NUMBER.test(given.trim()) && NUMBER.test(accepted.trim()))
    return numberOf(given) === numberOf(accepted);
  const a = plain(given);
  const b = plain(accepted);
  if (!a || !b) return false;
  if (a === b) return true;
  if (contentStems(a) === contentStems(b) && contentStems(a) !== "") return true;
  return distance(a, b) <= typosAllowed(b.length) || swappedOnce(a, b);
}

const NUMBER = /^\d{1,3}(,\d{3})*(\.\d+)?$|^\d+(\.\d+)?$/;

/** Two neighbouring letters typed the wrong way round ("Jupitre"): one typo, not two. */
function swappedOnce(a: string, b: string): boolean {
  if (a.length !== b.length || a.length < 5) return false;
  const differ = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return (
    differ.length === 2 &&
    differ[1] === differ[0] + 1 &&
    a[differ[0]] === b[differ[1]] &&
    a[differ[1]] === b[differ[0]]
  );
}

const typosAllowed = (length: number) => (length <= 4 ? 0 : length <= 8 ? 1 : 2);

const contentStems = (text: string) =>
  wordsOf(text)
    .filter((w) => !w.stop)
    .map((w) => w.stem)
    .join(" ");

/** The share of a question's points an answer earns, 0 to 1. */
export function creditFor(question: QuestionDoc, answer: AnswerValue | undefined): number {
  if (answer === undefined) return 0;
  const key = question.key;
  switch (question.kind) {
    case QuestionKind.CLOZE:
    case QuestionKind.SHORT:
      return (key.texts ?? []).some((text) => sameAnswer(String(answer), text)) ? 1 : 0;
    case QuestionKind.CHOICE:
      return [answer].flat()[0] === key.options?.[0] && [answer].flat().length === 1 ? 1 : 0;
    case QuestionKind.MULTIPLE: {
      const right = new Set(key.options ?? []);
      const chosen = new Set([answer].flat().map(String));
      const hits = [...chosen].filter((o) => right.has(o)).length;
      const misses = chosen.size - hits;
      return right.size ? Math.max(0, (hits - misses) / right.size) : 0;
    }
    case QuestionKind.TRUE_FALSE:
      return answer === key.truth ? 1 : 0;
    case QuestionKind.NUMERIC:
      return Math.abs(Number(answer) - (key.value ?? NaN)) <= (key.tolerance ?? 0) ? 1 : 0;
  }
}

/** The key as the learner is shown it, once they have answered. */
export function expectedOf(question: QuestionDoc): AnswerValue {
  const key = question.key;
  if (question.kind === QuestionKind.CHOICE) return key.options?.[0] ?? "";
  if (question.kind === QuestionKind.MULTIPLE) return key.options ?? [];
  if (question.kind === QuestionKind.TRUE_FALSE) return key.truth ?? false;
  if (question.kind === QuestionKind.NUMERIC) return key.value ?? 0;
  return key.texts?.[0] ?? "";
}

export function resultOf(question: QuestionDoc, answer: AnswerValue | undefined): QuestionResult {
  const credit = creditFor(question, answer);
  return {
    questionId: question.id,
    credit,
    correct: credit === 1,
    expected: expectedOf(question),
    ...(question.source ? { source: question.source } : {}),
  };
}

const FITS: Record<QuestionKind, (value: AnswerValue) => boolean> = {
  cloze: (v) => typeof v === "string" && v.length <= 500,
  short: (v) => typeof v === "string" && v.length <= 500,
  choice: (v) => typeof v === "string" || (Array.isArray(v) && v.length === 1),
  multiple: (v) => Array.isArray(v) && v.length <= 20,
  true_false: (v) => typeof v === "boolean",
  numeric: (v) => typeof v === "number" && Number.isFinite(v),
};

/** Answers name this quiz's questions, each in the form its kind takes; else a 422 naming them. */
export function assertAnswersFit(
  questions: QuestionDoc[],
  answers: Record<string, AnswerValue>,
): void {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const problems: FieldProblem[] = [];
  for (const [id, value] of Object.entries(answers)) {
    const question = byId.get(id);
    if (!question)
      problems.push({
        field: `answers.${id}`,
        message: "No such question in this quiz",
        type: "unknown",
      });
    else if (!FITS[question.kind](value))
      problems.push({
        field: `answers.${id}`,
        message: `A ${question.kind} question takes ${ANSWER_FORM[question.kind]}`,
        type: "answerForm",
      });
  }
  if (problems.length) throw invalid(problems);
}

const ANSWER_FORM: Record<QuestionKind, string> = {
  cloze: "a text",
  short: "a text",
  choice: "one option id",
  multiple: "a list of option ids",
  true_false: "true or false",
  numeric: "a number",
};
