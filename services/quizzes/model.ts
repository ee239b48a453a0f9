import type { Card } from "ts-fsrs";
import type {
  AnswerValue,
  AttemptResult,
  QuestionKind,
  QuestionSource,
  QuestionView,
  QuizView,
} from "../../contracts/quizzes";
import { QuestionKind as Kind } from "../../contracts/quizzes";
import type { IndexSpec, Repository } from "../../platform/data/repository";
import type { OutboxDoc } from "../../platform/messaging/outbox";
import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  number,
  object,
  oneOf,
  string,
} from "../../platform/actions/openapi";

/** What counts as right, by kind. */
export interface AnswerKey {
  /** Choice kinds: the right options' ids. */
  options?: string[];
  /** Cloze and short answers: every accepted answer. */
  texts?: string[];
  value?: number;
  tolerance?: number;
  truth?: boolean;
}

export interface QuestionDoc {
  id: string;
  kind: QuestionKind;
  prompt: string;
  options?: { id: string; text: string }[];
  key: AnswerKey;
  points: number;
  source?: QuestionSource;
}

export interface QuizDoc {
  id: string;
  ownerId: string;
  title: string;
  documentIds: string[];
  /** Courses whose lessons use it: their learners may take it. */
  courseIds: string[];
  passPercent: number;
  seed?: string;
  questions: QuestionDoc[];
  createdAt: string;
}
export type Quizzes = Repository<QuizDoc>;

export interface AttemptDoc extends OutboxDoc {
  id: string;
  quizId: string;
  userId: string;
  /** The submission's answers as a fingerprint: a repeat with its key must match. */
  answersHash: string;
  answers: Record<string, AnswerValue>;
  result: AttemptResult;
  createdAt: string;
}
export type Attempts = Repository<AttemptDoc>;

/** One question a learner missed, scheduled by FSRS. Id `<userId>:<quizId>:<questionId>`. */
export interface ReviewDoc {
  id: string;
  userId: string;
  quizId: string;
  questionId: string;
  due: string;
  /** FSRS's card, its dates as ISO strings. */
  card: Record<string, unknown>;
  updatedAt: string;
}
export type Reviews = Repository<ReviewDoc>;
export type { Card };

export const QUIZ_INDEXES: IndexSpec[] = [
  { fields: ["ownerId", "createdAt"] },
  { fields: ["courseIds"], list: true },
];
export const ATTEMPT_INDEXES: IndexSpec[] = [
  { fields: ["quizId", "userId"] },
  { fields: ["outboxPending"], range: "number" },
];
export const REVIEW_INDEXES: IndexSpec[] = [{ fields: ["userId", "due"] }];

const SOURCE_SHAPE = object(
  { documentId: string, documentName: string, page: integer },
  [],
  "QuestionSource",
);
const OPTION_SHAPE = object({ id: string, text: string }, [], "QuestionOption");

export const QUESTION_SHAPE = object(
  {
    id: string,
    kind: oneOf(Object.values(Kind)),
    prompt: string,
    options: arrayOf(OPTION_SHAPE),
    points: number,
    source: SOURCE_SHAPE,
  },
  ["options", "source"],
  "Question",
);

export const QUIZ_SHAPE = object(
  {
    id: string,
    title: string,
    documentIds: arrayOf(string),
    courseIds: arrayOf(string),
    passPercent: integer,
    seed: string,
    questions: arrayOf(QUESTION_SHAPE),
    createdAt: dateTime,
  },
  ["seed"],
  "Quiz",
);

/** An answer or a key: option ids, a text, a number or a truth. */
const ANSWER_VALUE = { oneOf: [string, arrayOf(string), number, boolean] };

export const RESULT_SHAPE = object(
  {
    attemptId: string,
    quizId: string,
    score: number,
    points: number,
    maxPoints: number,
    percent: number,
    passed: boolean,
    results: arrayOf(
      object(
        {
          questionId: string,
          credit: number,
          correct: boolean,
          expected: ANSWER_VALUE,
          source: SOURCE_SHAPE,
        },
        ["source"],
        "QuestionResult",
      ),
    ),
    submittedAt: dateTime,
  },
  [],
  "AttemptResult",
);

export const REVIEW_SHAPE = object(
  { id: string, quizId: string, due: dateTime, question: QUESTION_SHAPE },
  [],
  "ReviewItem",
);

export const REVIEW_RESULT_SHAPE = object(
  {
    questionId: string,
    credit: number,
    correct: boolean,
    expected: ANSWER_VALUE,
    source: SOURCE_SHAPE,
    due: dateTime,
  },
  ["source"],
  "ReviewResult",
);

export const toQuestionView = ({ key: _key, ...shown }: QuestionDoc): QuestionView => shown;

export const toQuizView = (quiz: QuizDoc): QuizView => ({
  id: quiz.id,
  title: quiz.title,
  documentIds: quiz.documentIds,
  courseIds: quiz.courseIds,
  passPercent: quiz.passPercent,
  ...(quiz.seed !== undefined ? { seed: quiz.seed } : {}),
  questions: quiz.questions.map(toQuestionView),
  createdAt: quiz.createdAt,
});
