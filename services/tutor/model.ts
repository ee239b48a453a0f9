import type { TutorSessionView, TutorTurn } from "../../contracts/tutor";
import type { IndexSpec, Repository } from "../../platform/data/repository";
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

export interface TutorSessionDoc {
  id: string;
  userId: string;
  documentIds: string[];
  courseId?: string;
  documents: { id: string; name: string }[];
  turns: TutorTurn[];
  createdAt: string;
  updatedAt: string;
}
export type TutorSessions = Repository<TutorSessionDoc>;

/** A session keeps its last turns; older ones are dropped, so a long chat stays one document. */
export const MAX_TURNS = 200;

export const TUTOR_SESSION_INDEXES: IndexSpec[] = [{ fields: ["userId", "createdAt"] }];

const NAMED_DOCUMENT = object({ id: string, name: string }, [], "NamedDocument");

export const ANSWER_SHAPE = object(
  {
    text: string,
    passages: arrayOf(
      object(
        { text: string, documentId: string, documentName: string, page: integer, score: number },
        [],
        "AnswerPassage",
      ),
    ),
    abstained: boolean,
    expected: oneOf(["name", "date", "number", "any"]),
    searched: arrayOf(NAMED_DOCUMENT),
  },
  [],
  "TutorAnswer",
);

export const TURN_SHAPE = object(
  { question: string, answer: ANSWER_SHAPE, askedAt: dateTime },
  [],
  "TutorTurn",
);

export const SESSION_SHAPE = object(
  {
    id: string,
    documentIds: arrayOf(string),
    courseId: string,
    documents: arrayOf(NAMED_DOCUMENT),
    turns: arrayOf(TURN_SHAPE),
    createdAt: dateTime,
  },
  ["courseId"],
  "TutorSession",
);

export const toSessionView = (doc: TutorSessionDoc): TutorSessionView => ({
  id: doc.id,
  documentIds: doc.documentIds,
  ...(doc.courseId ? { courseId: doc.courseId } : {}),
  documents: doc.documents,
  turns: doc.turns,
  createdAt: doc.createdAt,
});
