/**
 * The study assistant's own costs, each in rounds, reported as medians:
 *   - PDF extraction: pages a second of a 50-page and a 200-page text PDF, read as uploads are
 *     (pdf.js in a capped worker thread, after the inflate check);
 *   - quiz generation: a 20-question quiz from a 50-page document;
 *   - tutor answers over 100 documents: p50 and p99 of 200 questions, and the index's build;
 *   - speech: the real-time factor of synthesis (flite) and of transcription (sox + pocketsphinx),
 *     time taken over the audio's length.
 *
 *   npm run bench:study
 *   ROUNDS=5 npm run bench:study
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { wrap, writePdf } from "../scripts/pdf-writer";
import { chunksOf } from "../services/documents/chunks";
import { extractPages } from "../services/documents/extraction";
import { generateQuestions } from "../services/quizzes/generation";
import { seededRandom } from "../services/quizzes/seeded-random";
import { PassageIndex } from "../services/tutor/retrieval";
import { answerQuestion } from "../services/tutor/tutoring";
import { runEngine } from "../services/speech/engines";
import { RECOGNISER_FORMAT, secondsOf, wordsHeard } from "../services/speech/audio";
import { SOLAR_SYSTEM, STUDY_QUESTIONS } from "../samples/study/corpus";
import { wordErrorRate } from "../test/fixtures/audio";
import { median } from "../test/harness/stats";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const LIMITS = { maxPages: 1000, timeoutMs: 120_000, heapMb: 512, maxStreamBytes: 64 << 20 };

const NAMES = [
  "Ada Lovelace",
  "Alan Turing",
  "Grace Hopper",
  "Jupiter",
  "Saturn",
  "Mercury",
  "Lisbon",
  "Kyoto",
  "Nairobi",
  "Quito",
];
const THINGS = [
  "engine",
  "telescope",
  "bridge",
  "library",
  "harbour",
  "observatory",
  "canal",
  "printing press",
  "railway",
  "orchard",
];
const VERBS = [
  "built",
  "described",
  "measured",
  "repaired",
  "mapped",
  "opened",
  "studied",
  "extended",
];

/** Page after page of plain facts, repeatable from its seed. */
function syntheticPages(count: number, seed: string): string[] {
  const random = seededRandom(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  return Array.from({ length: count }, (_, p) =>
    Array.from({ length: 12 }, () => {
      const year = 1500 + Math.floor(random() * 500);
      const amount = 2 + Math.floor(random() * 900);
      return `${pick(NAMES)} ${pick(VERBS)} the ${pick(THINGS)} of ${pick(NAMES)} in ${year}, and it held ${amount} ${pick(THINGS)}s on page ${p + 1}.`;
    }).join(" "),
  );
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function extraction(): Promise<void> {
  for (const pages of [50, 200]) {
    const pdf = writePdf(
      syntheticPages(pages, `x${pages}`).map((t) => ({ lines: wrap(t) })),
      { compress: true },
    );
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const { numPages } = await extractPages(pdf, LIMITS);
      rates.push(numPages / ((performance.now() - started) / 1000));
    }
    console.log(
      `extraction, ${pages} pages (${(pdf.length / 1024).toFixed(0)} KB): median ${median(rates).toFixed(0)} pages/s over ${ROUNDS} rounds (${rates.map((r) => r.toFixed(0)).join(", ")})`,
    );
  }
}

function quizGeneration(): void {
  const passages = chunksOf("doc_bench", syntheticPages(50, "quiz")).map((c) => ({
    ...c,
    documentName: "bench.pdf",
  }));
  const times: number[] = [];
  let made = 0;
  for (let round = 0; round < ROUNDS * 3; round++) {
    const started = performance.now();
    made = generateQuestions(passages, {
      count: 20,
      kinds: ["cloze", "choice", "true_false"],
      seed: `r${round}`,
    }).length;
    times.push(performance.now() - started);
  }
  console.log(
    `quiz generation, 20 questions (${made} made) from 50 pages: median ${median(times).toFixed(0)} ms, worst ${Math.max(...times).toFixed(0)} ms`,
  );
}

function tutor(): void {
  const docs = Array.from({ length: 100 }, (_, d) => syntheticPages(8, `doc${d}`));
  const passages = docs.flatMap((pages, d) =>
    chunksOf(`doc_${d}`, pages).map((c) => ({ ...c, documentName: `doc-${d}.pdf` })),
  );
  const started = performance.now();
  const index = new PassageIndex(passages);
  const build = performance.now() - started;
  const searched = docs.map((_p, d) => ({ id: `doc_${d}`, name: `doc-${d}.pdf` }));
  const questions = [
    ...STUDY_QUESTIONS.map((q) => q.q),
    ...Array.from(
      { length: 170 },
      (_, i) =>
        `Who ${VERBS[i % VERBS.length]} the ${THINGS[i % THINGS.length]} of ${NAMES[(i * 3) % NAMES.length]}?`,
    ),
  ];
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const q of questions) {
      const t = performance.now();
      answerQuestion(index, searched, q);
      times.push(performance.now() - t);
    }
  console.log(
    `tutor over 100 documents (${passages.length} passages): index built in ${build.toFixed(0)} ms; ${times.length} answers, p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms`,
  );
}

async function speech(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-speech-"));
  const limits = { timeoutMs: 120_000, memoryMb: 512 };
  const text =
    "Jupiter is the largest planet in the Solar System. Galileo Galilei discovered the four largest moons of Jupiter in sixteen ten. The Great Red Spot is a storm that has lasted for centuries.";
  writeFileSync(path.join(dir, "input.txt"), text);
  const synth: number[] = [];
  const heard: number[] = [];
  let seconds = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      await runEngine("flite", ["-voice", "slt", "-f", "input.txt", "-o", "out.wav"], limits, dir);
      const took = (performance.now() - t) / 1000;
      await runEngine("sox", ["out.wav", ...RECOGNISER_FORMAT, "heard.wav"], limits, dir);
      seconds = secondsOf(statSync(path.join(dir, "heard.wav")).size);
      synth.push(took / seconds);
      t = performance.now();
      await runEngine("sox", ["out.wav", ...RECOGNISER_FORMAT, "again.wav"], limits, dir);
      await runEngine(
        "pocketsphinx_continuous",
        ["-infile", "again.wav", "-time", "yes", "-logfn", "/dev/null"],
        limits,
        dir,
      );
      heard.push((performance.now() - t) / 1000 / seconds);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `speech, ${seconds.toFixed(1)} s of audio: synthesis real-time factor median ${median(synth).toFixed(3)}, transcription ${median(heard).toFixed(2)} (below 1 is faster than real time)`,
  );
}

/** Word error rate of flite read back by pocketsphinx, open vocabulary, over the sample's facts. */
async function wordErrors(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-wer-"));
  const limits = { timeoutMs: 120_000, memoryMb: 512 };
  const sentences = SOLAR_SYSTEM.pages.flatMap((page) => page.split(/(?<=\.) /)).slice(0, 12);
  const rates: number[] = [];
  try {
    for (const sentence of sentences) {
      const said = sentence.replace(/[^A-Za-z ]+/g, " ").toLowerCase();
      writeFileSync(path.join(dir, "s.txt"), said);
      await runEngine("flite", ["-voice", "slt", "-f", "s.txt", "-o", "s.wav"], limits, dir);
      await runEngine("sox", ["s.wav", ...RECOGNISER_FORMAT, "h.wav"], limits, dir);
      const { stdout } = await runEngine(
        "pocketsphinx_continuous",
        ["-infile", "h.wav", "-time", "yes", "-logfn", "/dev/null"],
        limits,
        dir,
      );
      rates.push(
        wordErrorRate(
          said,
          wordsHeard(stdout)
            .map((w) => w.word)
            .join(" "),
        ),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  console.log(
    `speech round trip over ${rates.length} sentences: word error rate mean ${mean.toFixed(2)}, median ${median(rates).toFixed(2)}, worst ${Math.max(...rates).toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  console.log(`study assistant bench, ${ROUNDS} rounds, Node ${process.version}`);
  await extraction();
  quizGeneration();
  tutor();
  await speech();
  await wordErrors();
}

void main();
