import { LRUCache } from "lru-cache";
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DocumentsAction } from "../../contracts/documents";
import { TutorError } from "../../contracts/tutor";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { notFound, tooManyRequests, unprocessable } from "../../platform/actions/errors";
import { idRule, newId } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { call } from "../../platform/actions/typed-call";
import { findPage, pageParams } from "../../platform/data/pagination";
import { ownSettings } from "../../platform/runtime/settings-of";
import {
  MAX_TURNS,
  SESSION_SHAPE,
  TURN_SHAPE,
  TUTOR_SESSION_INDEXES,
  toSessionView,
  type TutorSessionDoc,
} from "./model";
import { PassageIndex } from "./retrieval";
import { tutorSettings } from "./settings";
import { answerQuestion } from "./tutoring";

type TutorThis = DbService<{ tutor_sessions: TutorSessionDoc }> & {
  /** Each session's passages, indexed once and kept a minute: a chat asks many questions. */
  indexes: LRUCache<string, PassageIndex>;
  /** Questions asked this minute, by user: the tutor's own limit, on this node. */
  asked: LRUCache<string, number>;
};

const INDEX_TTL_MS = 60_000;

async function ownSession(self: TutorThis, userId: string, id: string): Promise<TutorSessionDoc> {
  const session = await self.repos.tutor_sessions.findById(id);
  if (!session || session.userId !== userId) throw notFound("Tutor session");
  return session;
}

function countQuestion(self: TutorThis, userId: string): void {
  const limit = ownSettings(self.broker, tutorSettings).tutorQuestionsPerMinute;
  const asked = (self.asked.get(userId) ?? 0) + 1;
  if (asked > limit) {
    const resetMs = self.asked.getRemainingTTL(userId);
    throw tooManyRequests(
      Math.max(1, Math.ceil(resetMs / 1000)),
      "Too many questions; wait a little",
    );
  }
  // The window starts at the first question and is not stretched by the next ones.
  self.asked.set(userId, asked, { noUpdateTTL: asked > 1 });
}

/** Wiring only: the rules are in tutoring.ts, retrieval.ts and answerer.ts. */
const TutorService: ServiceSchema<ServiceSettingSchema, TutorThis> = {
  name: "tutor",
  mixins: [DbMixin({ tutor_sessions: TUTOR_SESSION_INDEXES }), HealthMixin],

  actions: {
    open: {
      access: "user",
      openapi: {
        summary: "Open a study chat over your ready documents, or a course you learn or teach",
        description:
          "Give `documentIds` or `courseId`. Answers are extractive: sentences of the sources with their citations, ranked by BM25 and by the kind of answer the question asks for (who, when, how many). No language model runs and nothing is downloaded.",
        status: 201,
        response: SESSION_SHAPE,
        errors: [404, 409, 422],
      },
      params: {
        $$strict: true,
        documentIds: {
          type: "array",
          items: idRule,
          min: 1,
          max: 1000,
          unique: true,
          optional: true,
        },
        courseId: { ...idRule, optional: true },
      },
      async handler(this: TutorThis, ctx: Ctx<{ documentIds?: string[]; courseId?: string }>) {
        const caller = callerOf(ctx);
        const { documentIds, courseId } = ctx.params;
        if ((documentIds === undefined) === (courseId === undefined))
          throw unprocessable(TutorError.SCOPE_REQUIRED, "Give either documentIds or a courseId");
        const max = ownSettings(this.broker, tutorSettings).tutorMaxDocuments;
        if ((documentIds?.length ?? 0) > max)
          throw unprocessable(
            TutorError.SCOPE_REQUIRED,
            `A session reads at most ${max} documents`,
          );
        const material = await call(ctx, DocumentsAction.passages, {
          reader: caller,
          documentIds,
          courseId,
        });
        const now = new Date().toISOString();
        const session = await this.repos.tutor_sessions.insert({
          id: newId("tut"),
          userId: caller.id,
          documentIds: material.documents.map((d) => d.id),
          ...(courseId ? { courseId } : {}),
          documents: material.documents.slice(0, max).map(({ id, name }) => ({ id, name })),
          turns: [],
          createdAt: now,
          updatedAt: now,
        });
        this.indexes.set(session.id, new PassageIndex(material.passages));
        ctx.meta.$created = session.id;
        return toSessionView(session);
      },
    },

    list: {
      access: "user",
      openapi: { summary: "Your study chats, newest first", response: pageOf(SESSION_SHAPE) },
      params: { $$strict: "remove", ...pageParams },
      handler(this: TutorThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        const request = { ...ctx.params, sort: { createdAt: -1 as const } };
        return findPage(
          this.repos.tutor_sessions,
          { userId: callerOf(ctx).id },
          request,
          toSessionView,
        );
      },
    },

    get: {
      access: "user",
      openapi: { summary: "A study chat and its history", response: SESSION_SHAPE },
      params: { $$strict: true, id: idRule },
      async handler(this: TutorThis, ctx: Ctx<{ id: string }>) {
        return toSessionView(await ownSession(this, callerOf(ctx).id, ctx.params.id));
      },
    },

    ask: {
      access: "user",
      openapi: {
        summary: "Ask a question: the best passages, each with its document and page",
        description:
          'Below a score threshold the answer says the documents do not say, and names those searched. A short follow-up ("and when was that?") takes its subject from the last question.',
        response: TURN_SHAPE,
        errors: [404, 409, 422, 429],
      },
      params: {
        $$strict: true,
        id: idRule,
        question: { type: "string", min: 1, max: 500, trim: true },
      },
      async handler(this: TutorThis, ctx: Ctx<{ id: string; question: string }>) {
        const caller = callerOf(ctx);
        const session = await ownSession(this, caller.id, ctx.params.id);
        countQuestion(this, caller.id);
        let index = this.indexes.get(session.id);
        if (!index) {
          const { documentIds, courseId } = session;
          const material = await call(ctx, DocumentsAction.passages, {
            reader: caller,
            ...(courseId ? { courseId } : { documentIds }),
          });
          index = new PassageIndex(material.passages);
          this.indexes.set(session.id, index);
        }
        const answer = answerQuestion(
          index,
          session.documents,
          ctx.params.question,
          session.turns.at(-1),
        );
        const turn = { question: ctx.params.question, answer, askedAt: new Date().toISOString() };
        const turns = [...session.turns.slice(-(MAX_TURNS - 1)), turn];
        await this.repos.tutor_sessions.updateOne(
          { id: session.id },
          { $set: { turns, updatedAt: turn.askedAt } },
        );
        return turn;
      },
    },
  } satisfies Actions,

  created(this: TutorThis) {
    this.indexes = new LRUCache({ max: 200, ttl: INDEX_TTL_MS });
    this.asked = new LRUCache({ max: 100_000, ttl: 60_000 });
  },
};

export default TutorService;
