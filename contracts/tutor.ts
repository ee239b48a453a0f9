/**
 * The tutor's contract: a study chat over a learner's documents or a course, answered with
 * passages of the sources and their citations, never with invented text.
 */
export const TutorAction = {
  open: "tutor.open",
  list: "tutor.list",
  get: "tutor.get",
  ask: "tutor.ask",
} as const;

export const TutorError = {
  SCOPE_REQUIRED: "SCOPE_REQUIRED",
} as const;

/** What kind of answer a question asks for, from its question word. */
export type ExpectedKind = "name" | "date" | "number" | "any";

export interface Citation {
  documentId: string;
  documentName: string;
  page: number;
}

export interface AnswerPassage extends Citation {
  text: string;
  score: number;
}

export interface TutorAnswer {
  /** The passages' sentences, joined: what the sources say. */
  text: string;
  passages: AnswerPassage[];
  /** Nothing searched scored high enough: the sources do not say. */
  abstained: boolean;
  expected: ExpectedKind;
  /** The documents searched, named when the tutor abstains. */
  searched: { id: string; name: string }[];
}

export interface TutorTurn {
  question: string;
  answer: TutorAnswer;
  askedAt: string;
}

export interface TutorSessionView {
  id: string;
  documentIds: string[];
  courseId?: string;
  documents: { id: string; name: string }[];
  turns: TutorTurn[];
  createdAt: string;
}
