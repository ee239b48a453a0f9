import { createHash } from "node:crypto";
import { newId } from "../../platform/actions/ids";
import { Channel } from "../../contracts/channels";
import type { AnswerValue, AttemptResult } from "../../contracts/quizzes";
import type { Principal } from "../../contracts/users";
import { isDuplicate } from "../../platform/actions/errors";
import { keyReused, requestHash } from "../../platform/actions/idempotency-key";
import { withNewEvents } from "../../platform/messaging/outbox";
import { assertAnswersFit, resultOf } from "./grading";
import type { AttemptDoc, Attempts, QuizDoc } from "./model";

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

/**
 * Grades an attempt once: with an `Idempotency-Key`, the attempt's id is the key's (per user and
 * quiz), so a resubmission finds the first attempt and gets its result, even one that raced it.
 */
export async function submitAttempt(
  attempts: Attempts,
  quiz: QuizDoc,
  caller: Principal,
  answers: Record<string, AnswerValue>,
  key: string | undefined,
): Promise<{ attempt: AttemptDoc; graded: boolean }> {
  const answersHash = requestHash(answers);
  const id = key ? `att_${sha(`${caller.id}:${quiz.id}:${key}`)}` : newId("att", 16);
  if (key) {
    const first = await attempts.findById(id);
    if (first) return { attempt: sameOrRefused(first, answersHash), graded: false };
  }
  assertAnswersFit(quiz.questions, answers);
  const result = grade(quiz, id, answers);
  // Only courses act on a grade, so only a quiz a course uses tells it.
  const told = quiz.courseIds.length
    ? [
        {
          type: Channel.QUIZZES_GRADED,
          data: {
            quizId: quiz.id,
            userId: caller.id,
            courseIds: quiz.courseIds,
            percent: result.percent,
            passed: result.passed,
            attemptId: id,
          },
        },
      ]
    : [];
  const doc: AttemptDoc = {
    id,
    quizId: quiz.id,
    userId: caller.id,
    answersHash,
    answers,
    result,
    createdAt: result.submittedAt,
    ...withNewEvents(told),
  };
  try {
    return { attempt: await attempts.insert(doc), graded: true };
  } catch (err) {
    if (!isDuplicate(err)) throw err;
    const first = (await attempts.findById(id))!;
    return { attempt: sameOrRefused(first, answersHash), graded: false };
  }
}

function sameOrRefused(first: AttemptDoc, answersHash: string): AttemptDoc {
  if (first.answersHash !== answersHash) throw keyReused();
  return first;
}

export function grade(
  quiz: QuizDoc,
  attemptId: string,
  answers: Record<string, AnswerValue>,
): AttemptResult {
  const results = quiz.questions.map((q) =>
    resultOf(q, Object.hasOwn(answers, q.id) ? answers[q.id] : undefined),
  );
  const maxPoints = quiz.questions.reduce((sum, q) => sum + q.points, 0);
  const points = quiz.questions.reduce((sum, q, i) => sum + q.points * results[i].credit, 0);
  const score = maxPoints ? points / maxPoints : 0;
  const percent = Math.round(score * 1000) / 10;
  return {
    attemptId,
    quizId: quiz.id,
    score: Math.round(score * 1000) / 1000,
    points: Math.round(points * 100) / 100,
    maxPoints,
    percent,
    passed: percent >= quiz.passPercent,
    results,
    submittedAt: new Date().toISOString(),
  };
}
