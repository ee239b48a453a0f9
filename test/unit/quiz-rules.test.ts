import { QuestionKind } from "../../contracts/quizzes";
import { STUDY_CORPUS } from "../../samples/study/corpus";
import { chunksOf } from "../../services/documents/chunks";
import { BLANK, generateQuestions } from "../../services/quizzes/generation";
import { creditFor, sameAnswer } from "../../services/quizzes/grading";
import type { QuestionDoc } from "../../services/quizzes/model";

const passagesOf = (index: number) =>
  chunksOf(`doc_${index}`, STUDY_CORPUS[index].pages).map((chunk) => ({
    ...chunk,
    documentName: STUDY_CORPUS[index].file,
  }));
const KINDS = [QuestionKind.CLOZE, QuestionKind.CHOICE, QuestionKind.TRUE_FALSE];

describe("Questions generated from the study corpus", () => {
  const generated = STUDY_CORPUS.flatMap((_doc, i) =>
    generateQuestions(passagesOf(i), { count: 20, kinds: KINDS, seed: `corpus-${i}` }).map(
      (question) => ({ question, pages: STUDY_CORPUS[i].pages }),
    ),
  );

  test("Then every document gives questions of every kind", () => {
    for (const kind of KINDS) expect(generated.some((g) => g.question.kind === kind)).toBe(true);
    expect(generated.length).toBeGreaterThanOrEqual(24);
  });

  test("Then a cloze or choice has one blank, and its answer filled in is a sentence of the cited page", () => {
    for (const { question, pages } of generated.filter((g) => g.question.kind !== "true_false")) {
      const prompt = question.prompt.replace(/^[^:?]*[:?] /, "");
      expect(prompt.split(BLANK)).toHaveLength(2);
      const answer =
        question.kind === "cloze"
          ? question.key.texts![0]
          : question.options!.find((o) => o.id === question.key.options![0])!.text;
      const page = pages[question.source!.page - 1];
      expect(page).toContain(prompt.replace(BLANK, answer));
    }
  });

  test("Then a choice has four different options, one right, none named elsewhere in its sentence", () => {
    for (const { question } of generated.filter((g) => g.question.kind === "choice")) {
      const texts = question.options!.map((o) => o.text.toLowerCase());
      expect(new Set(texts).size).toBe(4);
      expect(question.key.options).toHaveLength(1);
      const rest = question.prompt.toLowerCase();
      const right = question.options!.find((o) => o.id === question.key.options![0])!.text;
      for (const o of question.options!)
        if (o.text !== right) expect(rest).not.toContain(o.text.toLowerCase());
    }
  });

  test("Then a true statement is a sentence of its page, and a false one differs from it in one swapped span", () => {
    for (const { question, pages } of generated.filter((g) => g.question.kind === "true_false")) {
      const statement = question.prompt.replace("True or false: ", "");
      const page = pages[question.source!.page - 1];
      expect(page.includes(statement)).toBe(question.key.truth);
    }
  });

  test("Then the same passages and seed give the same questions, and another seed others", () => {
    const again = generateQuestions(passagesOf(0), { count: 20, kinds: KINDS, seed: "corpus-0" });
    expect(again).toEqual(
      generated.filter((g) => g.question.source!.documentId === "doc_0").map((g) => g.question),
    );
    expect(generateQuestions(passagesOf(0), { count: 20, kinds: KINDS, seed: "x" })).not.toEqual(
      again,
    );
  });
});

describe("Grading a typed answer", () => {
  test.each([
    ["Jupiter", "jupiter", true],
    ["Jupitre", "Jupiter", true],
    ["Mars", "Jupiter", false],
    ["Jupitr", "Jupiter", true],
    ["Jpter", "Jupiter", false],
    ["Ångström", "angstrom", true],
    ["moons", "moon", true],
    ["1,000", "1000", true],
    ["1001", "1000", false],
    ["Galilee", "Galileo", true],
    ["", "Galileo", false],
    ["dog", "cat", false],
    ["four chambers", "four chamber", true],
  ])("%j for %j: %s", (given, accepted, right) => {
    expect(sameAnswer(given, accepted)).toBe(right);
  });

  const multiple: QuestionDoc = {
    id: "q1",
    kind: "multiple",
    prompt: "Gas giants?",
    options: ["a", "b", "c", "d"].map((id) => ({ id, text: id })),
    key: { options: ["a", "c"] },
    points: 2,
  };

  test("A multiple-answer question earns its right picks less its wrong ones, never below nothing", () => {
    expect(creditFor(multiple, ["a", "c"])).toBe(1);
    expect(creditFor(multiple, ["a"])).toBe(0.5);
    expect(creditFor(multiple, ["a", "b"])).toBe(0);
    expect(creditFor(multiple, ["b", "d"])).toBe(0);
    expect(creditFor(multiple, undefined)).toBe(0);
  });

  test("A numeric answer is right within its tolerance", () => {
    const numeric: QuestionDoc = {
      id: "q2",
      kind: "numeric",
      prompt: "?",
      key: { value: 95, tolerance: 2 },
      points: 1,
    };
    expect([93, 95, 97, 98, 92].map((v) => creditFor(numeric, v))).toEqual([1, 1, 1, 0, 0]);
  });
});
