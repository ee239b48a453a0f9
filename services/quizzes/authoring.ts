import { randomBytes } from "node:crypto";
import { newId } from "../../platform/actions/ids";
import type { PassagesAnswer } from "../../contracts/documents";
import { QuestionKind, QuizzesError } from "../../contracts/quizzes";
import type { Principal } from "../../contracts/users";
import { isAdmin } from "../../platform/actions/access";
import {
  forbidden,
  invalid,
  notFound,
  unprocessable,
  type FieldProblem,
} from "../../platform/actions/errors";
import { BLANK, generateQuestions } from "./generation";
import type { QuestionDoc, QuizDoc, Quizzes } from "./model";

export const newQuizId = () => newId("quiz");

export interface GenerateInput {
  count: number;
  types: QuestionKind[];
  seed?: string;
  title?: string;
  passPercent: number;
}

/** A quiz made from a document the caller may read (the documents service checked). */
export async function quizFromDocument(
  quizzes: Quizzes,
  caller: Principal,
  material: PassagesAnswer,
  input: GenerateInput,
): Promise<QuizDoc> {
  const seed = input.seed ?? randomBytes(6).toString("hex");
  const questions = generateQuestions(material.passages, {
    count: input.count,
    kinds: input.types,
    seed,
  });
  if (!questions.length)
    throw unprocessable(
      QuizzesError.NOT_ENOUGH_MATERIAL,
      "This document has no sentences a question can be made from",
    );
  const [doc] = material.documents;
  return quizzes.insert({
    id: newQuizId(),
    ownerId: caller.id,
    title: input.title ?? `Quiz: ${doc.name}`,
    documentIds: material.documents.map((d) => d.id),
    courseIds: [],
    passPercent: input.passPercent,
    seed,
    questions,
    createdAt: new Date().toISOString(),
  });
}

export interface QuestionInput {
  kind: QuestionKind;
  prompt: string;
  points: number;
  options?: string[];
  /** choice: the right option's index; multiple: every right index. */
  correct?: number[];
  /** cloze and short: every accepted answer. */
  accepted?: string[];
  value?: number;
  tolerance?: number;
  truth?: boolean;
}

/** Hand-written questions, each checked against what its kind needs. */
export function writtenQuestions(inputs: QuestionInput[]): QuestionDoc[] {
  const problems: FieldProblem[] = [];
  const questions = inputs.map((input, i) => {
    const at = (field: string) => `questions[${i}].${field}`;
    const need = (ok: boolean, field: string, message: string) => {
      if (!ok) problems.push({ field: at(field), message, type: "question" });
      return ok;
    };
    const base = { id: `q${i + 1}`, kind: input.kind, prompt: input.prompt, points: input.points };
    switch (input.kind) {
      case QuestionKind.CHOICE:
      case QuestionKind.MULTIPLE: {
        const options = input.options ?? [];
        const correct = [...new Set(input.correct ?? [])];
        need(options.length >= 2, "options", "A choice needs 2 to 10 options");
        need(
          new Set(options.map((o) => o.trim().toLowerCase())).size === options.length,
          "options",
          "Options must differ",
        );
        need(
          correct.every((c) => c >= 0 && c < options.length),
          "correct",
          "Each right answer is an option's index",
        );
        need(
          input.kind === QuestionKind.CHOICE ? correct.length === 1 : correct.length >= 1,
          "correct",
          input.kind === QuestionKind.CHOICE
            ? "A single choice has one right option"
            : "Name at least one right option",
        );
        const ids = options.map((_o, n) => String.fromCharCode(97 + n));
        return {
          ...base,
          options: options.map((text, n) => ({ id: ids[n], text })),
          key: { options: correct.map((c) => ids[c]) },
        };
      }
      case QuestionKind.CLOZE:
        need(
          input.prompt.split(BLANK).length === 2,
          "prompt",
          `A cloze prompt holds one blank, written ${BLANK}`,
        );
        need((input.accepted ?? []).length >= 1, "accepted", "Give at least one accepted answer");
        return { ...base, key: { texts: input.accepted } };
      case QuestionKind.SHORT:
        need((input.accepted ?? []).length >= 1, "accepted", "Give at least one accepted answer");
        return { ...base, key: { texts: input.accepted } };
      case QuestionKind.NUMERIC:
        need(input.value !== undefined, "value", "A numeric question needs its value");
        return { ...base, key: { value: input.value, tolerance: input.tolerance ?? 0 } };
      case QuestionKind.TRUE_FALSE:
        need(input.truth !== undefined, "truth", "Say whether the statement is true");
        return { ...base, key: { truth: input.truth } };
    }
  });
  if (problems.length) throw invalid(problems);
  return questions as QuestionDoc[];
}

/** A quiz written by hand, by an instructor or an admin; questions past `max` are not kept. */
export async function writtenQuiz(
  quizzes: Quizzes,
  caller: Principal,
  input: { title: string; passPercent: number; questions: QuestionInput[] },
  max: number,
): Promise<QuizDoc> {
  assertMayWrite(caller);
  return quizzes.insert({
    id: newQuizId(),
    ownerId: caller.id,
    title: input.title,
    documentIds: [],
    courseIds: [],
    passPercent: input.passPercent,
    questions: writtenQuestions(input.questions.slice(0, max)),
    createdAt: new Date().toISOString(),
  });
}

/** Who writes quizzes by hand: instructors and admins. */
export function assertMayWrite(caller: Principal): void {
  if (!isAdmin(caller) && !caller.roles.includes("instructor"))
    throw forbidden("Only instructors and admins write quizzes by hand");
}

/**
 * Who takes a quiz: its author, admins, and the learners and teachers of a course that uses it.
 * Anyone else finds nothing.
 */
export async function takeable(
  quizzes: Quizzes,
  caller: Principal,
  id: string,
  studies: (courseIds: string[]) => Promise<string[]>,
): Promise<QuizDoc> {
  const quiz = await quizzes.findById(id);
  if (!quiz) throw notFound("Quiz");
  if (quiz.ownerId === caller.id || isAdmin(caller)) return quiz;
  if (quiz.courseIds.length && (await studies(quiz.courseIds)).length) return quiz;
  throw notFound("Quiz");
}
