import type { TutorTurn } from "../../contracts/tutor";
import { ABSENT_QUESTIONS, STUDY_CORPUS, STUDY_QUESTIONS } from "../../samples/study/corpus";
import { chunksOf } from "../../services/documents/chunks";
import { expectedKindOf, type Answerer } from "../../services/tutor/answerer";
import { PassageIndex } from "../../services/tutor/retrieval";
import { answerQuestion } from "../../services/tutor/tutoring";

const passages = STUDY_CORPUS.flatMap((doc, i) =>
  chunksOf(`doc_${i}`, doc.pages).map((chunk) => ({ ...chunk, documentName: doc.file })),
);
const index = new PassageIndex(passages);
const searched = STUDY_CORPUS.map((doc, i) => ({ id: `doc_${i}`, name: doc.file }));

describe("The kind of answer a question asks for", () => {
  test.each([
    ["Who built the press?", "name"],
    ["When was the Bible printed?", "date"],
    ["In what year did Caxton arrive?", "date"],
    ["What year did Caxton arrive?", "date"],
    ["How many copies were printed?", "number"],
    ["How long is a year on Mercury?", "number"],
    ["What is the Great Red Spot?", "any"],
  ])("%j asks for %s", (question, kind) => {
    expect(expectedKindOf(question)).toBe(kind);
  });
});

describe("Answering from the study corpus", () => {
  test("Then the top passage holds the answer, on its page, for nearly every question written by hand", () => {
    const right = STUDY_QUESTIONS.filter((q) => {
      const top = answerQuestion(index, searched, q.q).passages[0];
      return top?.documentName === q.doc && top.page === q.page && top.text.includes(q.answer);
    });
    expect(right.length / STUDY_QUESTIONS.length).toBeGreaterThanOrEqual(0.8);
  });

  test("Then a question no document answers is an abstention that names what was searched", () => {
    for (const question of ABSENT_QUESTIONS) {
      const answer = answerQuestion(index, searched, question);
      expect(answer).toMatchObject({ abstained: true, passages: [] });
      expect(answer.text).toBe(
        "The documents searched do not say: solar-system.pdf, human-heart.pdf, printing-press.pdf.",
      );
    }
  });

  test("Then a follow-up that cannot stand alone takes its subject from the last question, and one that can does not", () => {
    const asked = "Who described the circulation of the blood?";
    const previous: TutorTurn = {
      question: asked,
      answer: answerQuestion(index, searched, asked),
      askedAt: "",
    };
    expect(previous.answer.text).toContain("William Harvey");
    const when = answerQuestion(index, searched, "And when was that?", previous);
    expect(when.passages[0].text).toContain("1628");
    const alone = answerQuestion(index, searched, "What does a pacemaker do?", previous);
    expect(alone.passages[0].text).toContain("electrical pulses");
    expect(answerQuestion(index, searched, "And when was that?").abstained).toBe(true);
  });

  test("Then another answerer can stand in behind the same interface, and its passages are cited as given", () => {
    const first: Answerer = {
      answer: (_q, _kind, candidates) =>
        candidates.slice(0, 1).map((c) => ({
          text: c.sentence,
          documentId: c.passage.documentId,
          documentName: c.passage.documentName,
          page: c.passage.page,
          score: 1,
        })),
    };
    const answer = answerQuestion(
      index,
      searched,
      "Which planet is the largest?",
      undefined,
      first,
    );
    expect(answer.passages).toHaveLength(1);
    expect(answer.passages[0]).toMatchObject({
      documentName: expect.stringMatching(/\.pdf$/),
      score: 1,
    });
  });
});
