/**
 * The quizzes service's contract: questions made from a document or written by hand, attempts
 * graded on submission, and a spaced-repetition queue of what a learner missed.
 */
export const QuizzesAction = {
  generate: "quizzes.generate",
  create: "quizzes.create",
  get: "quizzes.get",
  submit: "quizzes.submit",
  reviews: "quizzes.reviews",
  review: "quizzes.review",
  attachToCourse: "quizzes.attachToCourse",
} as const;

export const QuizzesError = {
  NOT_ENOUGH_MATERIAL: "NOT_ENOUGH_MATERIAL",
  ANSWERS_DO_NOT_MATCH: "ANSWERS_DO_NOT_MATCH",
} as const;

export const QuestionKind = {
  CLOZE: "cloze",
  CHOICE: "choice",
  MULTIPLE: "multiple",
  TRUE_FALSE: "true_false",
  SHORT: "short",
  NUMERIC: "numeric",
} as const;
export type QuestionKind = (typeof QuestionKind)[keyof typeof QuestionKind];

/** Kinds the generator makes from a document; the others are written by hand. */
export const GENERATED_KINDS = [
  QuestionKind.CLOZE,
  QuestionKind.CHOICE,
  QuestionKind.TRUE_FALSE,
] as const;

export interface QuestionSource {
  documentId: string;
  documentName: string;
  page: number;
}

/** A question as a learner sees it before answering: never its key. */
export interface QuestionView {
  id: string;
  kind: QuestionKind;
  prompt: string;
  options?: { id: string; text: string }[];
  points: number;
  source?: QuestionSource;
}

export interface QuizView {
  id: string;
  title: string;
  documentIds: string[];
  courseIds: string[];
  passPercent: number;
  seed?: string;
  questions: QuestionView[];
  createdAt: string;
}

/** One answer: option ids for choices, text for cloze and short answers, a number, a truth. */
export type AnswerValue = string | string[] | number | boolean;

export interface QuestionResult {
  questionId: string;
  /** 0 to 1: a multiple-answer question earns part of its points. */
  credit: number;
  correct: boolean;
  /** The key, shown once the attempt is in. */
  expected: AnswerValue;
  source?: QuestionSource;
}

export interface AttemptResult {
  attemptId: string;
  quizId: string;
  score: number;
  points: number;
  maxPoints: number;
  percent: number;
  passed: boolean;
  results: QuestionResult[];
  submittedAt: string;
}

/**
 * `quizzes.graded`: an attempt at a quiz that courses use was graded; courses completes the quiz
 * lessons whose pass mark it reached (each lesson sets its own).
 */
export interface QuizGraded {
  quizId: string;
  userId: string;
  courseIds: string[];
  percent: number;
  passed: boolean;
  attemptId: string;
}
