import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SpeechError } from "../../contracts/speech";
import type { BlobStore } from "../../platform/data/blob-store";
import {
  AudioRefused,
  grammarOf,
  RECOGNISER_FORMAT,
  secondsOf,
  wordsHeard,
  type AudioFormat,
} from "./audio";
import { ENGINES, EngineFailed, runEngine, type EngineLimits } from "./engines";
import type { SpeechJobDoc } from "./model";

export interface WorkDeps {
  blobs: BlobStore;
  limits: EngineLimits & { maxAudioSeconds: number; maxAudioBytes: number };
  knownWord: (word: string) => boolean;
}

export type WorkOutcome =
  | {
      heard: { text: string; words: { word: string; start: number; end: number }[] };
      durationSeconds: number;
    }
  | { durationSeconds: number; heard?: undefined }
  | { failure: string };

export const inputKey = (jobId: string) => `${jobId}-in`;
export const outputKey = (jobId: string) => `${jobId}-out`;

/** Runs one job in a folder of its own, removed after, whatever happened. */
export async function runJob(deps: WorkDeps, job: SpeechJobDoc): Promise<WorkOutcome> {
  const dir = await mkdtemp(path.join(tmpdir(), "bazaar-speech-"));
  try {
    return job.kind === "synthesize"
      ? await synthesize(deps, job, dir)
      : await transcribe(deps, job, dir);
  } catch (err) {
    if (err instanceof AudioRefused) return { failure: err.reason };
    if (err instanceof EngineFailed)
      return { failure: err.reason === "timeout" ? "ENGINE_TIMEOUT" : "ENGINE_FAILED" };
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function synthesize(deps: WorkDeps, job: SpeechJobDoc, dir: string): Promise<WorkOutcome> {
  // The text reaches flite as a file: no word of it is ever an argument or an option.
  await writeFile(path.join(dir, "input.txt"), job.text ?? "", "utf8");
  await runEngine(
    ENGINES.synthesis,
    ["-voice", job.voice ?? "slt", "-f", "input.txt", "-o", "out.wav"],
    deps.limits,
    dir,
  );
  const { stdout } = await runEngine(ENGINES.probe, ["-D", "out.wav"], deps.limits, dir);
  let file = "out.wav";
  if (job.format === "ogg") {
    await runEngine(ENGINES.conversion, ["out.wav", "out.ogg"], deps.limits, dir);
    file = "out.ogg";
  }
  const size = (await stat(path.join(dir, file))).size;
  await deps.blobs.put(outputKey(job.id), createReadStream(path.join(dir, file)), {
    maxBytes: size + 1,
  });
  return { durationSeconds: Math.round(Number(stdout.trim()) * 100) / 100 };
}

async function transcribe(deps: WorkDeps, job: SpeechJobDoc, dir: string): Promise<WorkOutcome> {
  const audio = await deps.blobs.read(inputKey(job.id));
  if (!audio) return { failure: SpeechError.AUDIO_INVALID };
  const source = `in.${job.format as AudioFormat}`;
  await writeFile(path.join(dir, source), audio);
  try {
    // sox reads the samples that are there, whatever the header claims, and stops at the cap.
    await runEngine(
      ENGINES.conversion,
      [
        source,
        ...RECOGNISER_FORMAT,
        "heard.wav",
        "trim",
        "0",
        String(deps.limits.maxAudioSeconds + 1),
      ],
      deps.limits,
      dir,
    );
  } catch (err) {
    if (err instanceof EngineFailed && err.reason === "exit")
      throw new AudioRefused(SpeechError.AUDIO_INVALID, "The audio cannot be decoded");
    throw err;
  }
  const seconds = secondsOf((await stat(path.join(dir, "heard.wav"))).size);
  if (seconds > deps.limits.maxAudioSeconds) return { failure: SpeechError.AUDIO_TOO_LONG };
  if (seconds < 0.1 || (await isSilent(deps, dir))) return { failure: SpeechError.AUDIO_SILENT };
  const args = ["-infile", "heard.wav", "-time", "yes", "-logfn", "/dev/null"];
  if (job.phrases?.length) {
    await writeFile(path.join(dir, "answers.gram"), grammarOf(job.phrases, deps.knownWord));
    args.push("-jsgf", "answers.gram");
  }
  const { stdout } = await runEngine(ENGINES.recognition, args, deps.limits, dir);
  const words = wordsHeard(stdout);
  if (!words.length) return { failure: SpeechError.AUDIO_SILENT };
  return {
    heard: { text: words.map((w) => w.word).join(" "), words },
    durationSeconds: Math.round(seconds * 100) / 100,
  };
}

/** Below this RMS amplitude (of full scale) the audio holds no speech worth hearing. */
const SILENCE_RMS = 0.002;

async function isSilent(deps: WorkDeps, dir: string): Promise<boolean> {
  const { stderr } = await runEngine(
    ENGINES.conversion,
    ["heard.wav", "-n", "stat"],
    deps.limits,
    dir,
  );
  const rms = /RMS\s+amplitude:\s+([\d.]+)/.exec(stderr);
  return rms !== null && Number(rms[1]) < SILENCE_RMS;
}

/** The recogniser's dictionary, read once: a phrase of words it does not know is refused. */
export async function loadDictionary(file: string): Promise<Set<string>> {
  const text = await readFile(file, "utf8").catch(() => "");
  const words = new Set<string>();
  for (const line of text.split("\n")) {
    const word = line.split(" ")[0];
    if (word && !word.includes("(")) words.add(word);
  }
  return words;
}
