import { createHash } from "node:crypto";
import { createEmptyCard, fsrs, Rating, type Card } from "ts-fsrs";
import type { AnswerValue, QuestionResult } from "../../contracts/quizzes";
import { notFound } from "../../platform/actions/errors";
import { resultOf } from "./grading";
import { toQuestionView, type QuizDoc, type Quizzes, type ReviewDoc, type Reviews } from "./model";

/** FSRS with its published defaults: what to ask again, and when, from how recall went. */
const scheduler = fsrs();

export const reviewId = (userId: string, quizId: string, questionId: string) =>
  `rev_${createHash("sha256").update(`${userId}:${quizId}:${questionId}`).digest("hex").slice(0, 32)}`;

const DATE_FIELDS = ["due", "last_review"] as const;
const stored = (card: Card): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(card).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
const revived = (card: Record<string, unknown>): Card => {
  const copy: Record<string, unknown> = { ...card };
  for (const field of DATE_FIELDS)
    if (typeof copy[field] === "string") copy[field] = new Date(copy[field] as string);
  return copy as unknown as Card;
};

/**
 * After an attempt or a review: a missed question is rated "again" (it comes back soon), a
 * question already in the queue and now right is rated "good" (it comes back later).
 */
export async function schedule(
  reviews: Reviews,
  userId: string,
  quizId: string,
  results: QuestionResult[],
  now = new Date(),
): Promise<void> {
  for (const result of results) {
    const id = reviewId(userId, quizId, result.questionId);
    const held = await reviews.findById(id);
    if (!held && result.correct) continue;
    const card = held ? revived(held.card) : createEmptyCard(now);
    const next = scheduler.next(card, now, result.correct ? Rating.Good : Rating.Again).card;
    const fields = {
      userId,
      quizId,
      questionId: result.questionId,
      due: next.due.toISOString(),
      card: stored(next),
      updatedAt: now.toISOString(),
    };
    await reviews.upsert({ id }, { $set: fields });
  }
}

/** The caller's questions that are due, soonest first, each as it is asked (no key). */
export async function dueReviews(
  reviews: Reviews,
  quizzes: Quizzes,
  userId: string,
  limit: number,
  until = new Date(),
) {
  const due = await reviews.find(
    { userId, due: { $lte: until.toISOString() } },
    { sort: { due: 1 }, limit },
  );
  const quizById = new Map<string, QuizDoc | null>();
  const items = [];
  for (const review of due) {
    if (!quizById.has(review.quizId))
      quizById.set(review.quizId, await quizzes.findById(review.quizId));
    const question = quizById.get(review.quizId)?.questions.find((q) => q.id === review.questionId);
    if (question)
      items.push({
        id: review.id,
        quizId: review.quizId,
        due: review.due,
        question: toQuestionView(question),
      });
  }
  return items;
}

/** Answers one review: graded like an attempt's question, and scheduled again. */
export async function answerReview(
  reviews: Reviews,
  quizzes: Quizzes,
  userId: string,
  id: string,
  answer: AnswerValue,
): Promise<QuestionResult & { due: string }> {
  const review: ReviewDoc | null = await reviews.findById(id);
  if (!review || review.userId !== userId) throw notFound("Review");
  const question = (await quizzes.findById(review.quizId))?.questions.find(
    (q) => q.id === review.questionId,
  );
  if (!question) throw notFound("Review");
  const result = resultOf(question, answer);
  await schedule(reviews, userId, review.quizId, [result]);
  const next = (await reviews.findById(id))!;
  return { ...result, due: next.due };
}
