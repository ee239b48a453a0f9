import { generateQuestions } from "../services/quizzes/generation";
import { SOLAR_SYSTEM } from "../samples/study/corpus";
import { chunksOf } from "../services/documents/chunks";
const passages = chunksOf("doc_s", SOLAR_SYSTEM.pages).map((c) => ({
  ...c,
  documentName: "solar-system.pdf",
}));
const t0 = Date.now();
const qs = generateQuestions(passages, {
  count: 12,
  kinds: ["cloze", "choice", "true_false"],
  seed: process.argv[2] ?? "s1",
});
console.log(Date.now() - t0, "ms");
for (const q of qs)
  console.log(
    q.kind,
    "|",
    q.prompt,
    "|",
    JSON.stringify(q.options?.map((o) => o.text)),
    JSON.stringify(q.key),
    q.source?.page,
  );
