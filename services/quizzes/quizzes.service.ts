import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Action } from "../../contracts/actions";
import { DocumentsAction } from "../../contracts/documents";
import {
  GENERATED_KINDS,
  QuestionKind,
  QuizzesAction,
  type AnswerValue,
} from "../../contracts/quizzes";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { assertIdempotencyKey, IDEMPOTENCY_KEY } from "../../platform/actions/idempotency-key";
import { idRule } from "../../platform/actions/ids";
import { arrayOf, object } from "../../platform/actions/openapi";
import { call, provide } from "../../platform/actions/typed-call";
import { ownSettings } from "../../platform/runtime/settings-of";
import { submitAttempt } from "./attempts";
import {
  quizFromDocument,
  takeable,
  writtenQuiz,
  type GenerateInput,
  type QuestionInput,
} from "./authoring";
import {
  ATTEMPT_INDEXES,
  QUIZ_INDEXES,
  QUIZ_SHAPE,
  RESULT_SHAPE,
  REVIEW_INDEXES,
  REVIEW_RESULT_SHAPE,
  REVIEW_SHAPE,
  toQuizView,
  type AttemptDoc,
  type QuizDoc,
  type ReviewDoc,
} from "./model";
import { answerReview, dueReviews, schedule } from "./reviews";
import { quizzesSettings } from "./settings";

type QuizzesThis = DbService<{
  quizzes: QuizDoc;
  quiz_attempts: AttemptDoc;
  quiz_reviews: ReviewDoc;
}> &
  RelayService;

const studiesOf = (ctx: Ctx<object>, userId: string) => (courseIds: string[]) =>
  call(ctx, Action.courses.studiedBy, { userId, courseIds });

const answerRule = {
  type: "multi",
  rules: [
    { type: "string", max: 500 },
    { type: "array", items: { type: "string", max: 64 }, max: 20 },
    { type: "number" },
    { type: "boolean" },
  ],
} as const;

const passPercent = { type: "number", min: 0, max: 100, optional: true, default: 70 } as const;

/** Wiring only: the rules are in authoring.ts, generation.ts, grading.ts, attempts.ts and reviews.ts. */
const QuizzesService: ServiceSchema<ServiceSettingSchema, QuizzesThis> = {
  name: "quizzes",
  mixins: [
    DbMixin({
      quizzes: QUIZ_INDEXES,
      quiz_attempts: ATTEMPT_INDEXES,
      quiz_reviews: REVIEW_INDEXES,
    }),
    OutboxRelayMixin("quiz_attempts"),
    HealthMixin,
  ],

  actions: {
    generate: {
      access: "user",
      openapi: {
        summary: "Make a quiz from a ready document you may read",
        description:
          "Questions come from the document's key sentences, by rule, with no language model: cloze (a key term blanked), multiple choice (three distractors of the same kind from the same document) and true/false (an entity or number swapped). Each cites its page. The same document and `seed` give the same quiz.",
        status: 201,
        response: QUIZ_SHAPE,
        errors: [404, 409, 422],
      },
      params: {
        $$strict: true,
        id: idRule,
        count: { type: "number", integer: true, min: 1, max: 500, optional: true, default: 10 },
        types: {
          type: "array",
          items: { type: "enum", values: [...GENERATED_KINDS] },
          min: 1,
          unique: true,
          optional: true,
          default: [...GENERATED_KINDS],
        },
        seed: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, optional: true },
        title: { type: "string", min: 1, max: 200, trim: true, optional: true },
        passPercent,
      },
      async handler(this: QuizzesThis, ctx: Ctx<GenerateInput & { id: string }>) {
        const caller = callerOf(ctx);
        const { id, ...input } = ctx.params;
        const count = Math.min(
          input.count,
          ownSettings(this.broker, quizzesSettings).quizMaxQuestions,
        );
        const material = await call(ctx, DocumentsAction.passages, {
          reader: caller,
          documentIds: [id],
        });
        const quiz = await quizFromDocument(this.repos.quizzes, caller, material, {
          ...input,
          count,
        });
        ctx.meta.$created = quiz.id;
        return toQuizView(quiz);
      },
    },

    create: {
      access: "user",
      openapi: {
        summary: "Write a quiz by hand (instructors and admins)",
        description:
          "Single or multiple choice (`options`, `correct` as indexes), short answer (`accepted`: every answer taken; case, accents, word endings and small typos are forgiven), numeric (`value`, `tolerance`), true/false (`truth`) and cloze (one `_____` in the prompt, `accepted`).",
        status: 201,
        response: QUIZ_SHAPE,
        errors: [403, 422],
      },
      params: {
        $$strict: true,
        title: { type: "string", min: 1, max: 200, trim: true },
        passPercent,
        questions: {
          type: "array",
          min: 1,
          max: 500,
          items: {
            type: "object",
            strict: true,
            props: {
              kind: { type: "enum", values: Object.values(QuestionKind) },
              prompt: { type: "string", min: 1, max: 1000, trim: true },
              points: { type: "number", min: 0.5, max: 100, optional: true, default: 1 },
              options: {
                type: "array",
                items: { type: "string", min: 1, max: 200, trim: true },
                max: 10,
                optional: true,
              },
              correct: {
                type: "array",
                items: { type: "number", integer: true, min: 0, max: 9 },
                max: 10,
                optional: true,
              },
              accepted: {
                type: "array",
                items: { type: "string", min: 1, max: 200, trim: true },
                max: 10,
                optional: true,
              },
              value: { type: "number", optional: true },
              tolerance: { type: "number", min: 0, optional: true },
              truth: { type: "boolean", optional: true },
            },
          },
        },
      },
      async handler(
        this: QuizzesThis,
        ctx: Ctx<{ title: string; passPercent: number; questions: QuestionInput[] }>,
      ) {
        const max = ownSettings(this.broker, quizzesSettings).quizMaxQuestions;
        const quiz = await writtenQuiz(this.repos.quizzes, callerOf(ctx), ctx.params, max);
        ctx.meta.$created = quiz.id;
        return toQuizView(quiz);
      },
    },

    get: {
      access: "user",
      openapi: {
        summary: "A quiz to take: its questions, never their answers",
        response: QUIZ_SHAPE,
      },
      params: { $$strict: true, id: idRule },
      async handler(this: QuizzesThis, ctx: Ctx<{ id: string }>) {
        const caller = callerOf(ctx);
        return toQuizView(
          await takeable(this.repos.quizzes, caller, ctx.params.id, studiesOf(ctx, caller.id)),
        );
      },
    },

    submit: {
      access: "user",
      openapi: {
        summary: "Submit an attempt: graded at once, with partial credit, and the answers shown",
        description:
          "`answers` maps question ids to an option id (choice), option ids (multiple), a text (cloze, short), a number or a boolean. Send an `Idempotency-Key`: a resubmission with it gets the first result; with other answers, 422 IDEMPOTENCY_KEY_REUSED. Missed questions join your review queue (`GET /me/reviews`).",

        response: RESULT_SHAPE,
        errors: [404, 422],
        headers: [
          {
            name: "Idempotency-Key",
            required: false,
            description: "Makes a resubmission safe: one graded attempt per key, user and quiz",
            schema: { type: "string", pattern: IDEMPOTENCY_KEY.source },
          },
        ],
      },
      params: {
        $$strict: true,
        id: idRule,
        answers: { type: "record", key: idRule, value: answerRule },
      },
      async handler(
        this: QuizzesThis,
        ctx: Ctx<{ id: string; answers: Record<string, AnswerValue> }>,
      ) {
        const caller = callerOf(ctx);
        const key = assertIdempotencyKey(ctx.meta.idempotencyKey);
        const quiz = await takeable(
          this.repos.quizzes,
          caller,
          ctx.params.id,
          studiesOf(ctx, caller.id),
        );
        const { attempt, graded } = await submitAttempt(
          this.repos.quiz_attempts,
          quiz,
          caller,
          ctx.params.answers,
          key,
        );
        if (graded) {
          await schedule(this.repos.quiz_reviews, caller.id, quiz.id, attempt.result.results);
          this.outboxRelay.wake();
        }
        return attempt.result;
      },
    },

    reviews: {
      access: "user",
      openapi: {
        summary: "Your questions due for review, soonest first (scheduled by FSRS)",
        description:
          "A missed question comes back within minutes, then at growing intervals as you answer it right. `aheadMinutes` also lists those due that soon.",
        response: object({ rows: arrayOf(REVIEW_SHAPE) }, [], "ReviewQueue"),
      },
      params: {
        $$strict: "remove",
        limit: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 },
        aheadMinutes: {
          type: "number",
          integer: true,
          min: 0,
          max: 7 * 24 * 60,
          convert: true,
          default: 0,
        },
      },
      async handler(this: QuizzesThis, ctx: Ctx<{ limit: number; aheadMinutes: number }>) {
        const until = new Date(Date.now() + ctx.params.aheadMinutes * 60_000);
        return {
          rows: await dueReviews(
            this.repos.quiz_reviews,
            this.repos.quizzes,
            callerOf(ctx).id,
            ctx.params.limit,
            until,
          ),
        };
      },
    },

    review: {
      access: "user",
      openapi: {
        summary: "Answer a question in your review queue; it is scheduled again by how you did",
        response: REVIEW_RESULT_SHAPE,
        errors: [404, 422],
      },
      params: { $$strict: true, id: idRule, answer: answerRule },
      handler(this: QuizzesThis, ctx: Ctx<{ id: string; answer: AnswerValue }>) {
        return answerReview(
          this.repos.quiz_reviews,
          this.repos.quizzes,
          callerOf(ctx).id,
          ctx.params.id,
          ctx.params.answer,
        );
      },
    },

    attachToCourse: provide(QuizzesAction.attachToCourse, {
      visibility: "public",
      params: { $$strict: true, quizId: idRule, courseId: idRule, instructorId: idRule },
      async handler(this: QuizzesThis, ctx) {
        const { quizId, courseId, instructorId } = ctx.params;
        const instructor = { id: instructorId, roles: ["instructor" as const] };
        const quiz = await takeable(
          this.repos.quizzes,
          instructor,
          quizId,
          studiesOf(ctx, instructorId),
        );
        if (!quiz.courseIds.includes(courseId))
          await this.repos.quizzes.updateOne({ id: quiz.id }, { $push: { courseIds: courseId } });
        return { attached: true as const };
      },
    }),
  } satisfies Actions,
};

export default QuizzesService;
