import type { Readable } from "node:stream";
import { SpeechError } from "../../contracts/speech";
import { invalid, payloadTooLarge, unprocessable } from "../../platform/actions/errors";
import { BlobTooLarge, type BlobStore } from "../../platform/data/blob-store";
import { AudioRefused, audioFormatOf, grammarOf, type AudioFormat } from "./audio";
import { newJob, newJobId } from "./jobs";
import type { SpeechJobDoc, SpeechJobs } from "./model";
import { inputKey } from "./work";

/** An audio upload that sends nothing for this long is given up. */
const UPLOAD_IDLE_MS = 15_000;

export interface IntakeLimits {
  maxText: number;
  maxAudioBytes: number;
  ttlHours: number;
}

/** A synthesis job for text within the limit; control characters say nothing aloud. */
export async function acceptText(
  jobs: SpeechJobs,
  userId: string,
  input: { text: string; voice: string; format: AudioFormat },
  limits: IntakeLimits,
): Promise<SpeechJobDoc> {
  if (input.text.length > limits.maxText)
    throw invalid([
      { field: "text", message: `At most ${limits.maxText} characters`, type: "stringMax" },
    ]);
  const text = input.text.replace(/[\p{Cc}\p{Cf}]+/gu, " ");
  const job = newJob(
    { userId, kind: "synthesize", format: input.format, text, voice: input.voice },
    limits.ttlHours,
  );
  return jobs.insert(job);
}

/**
 * A transcription job for an upload that is a WAV or an Ogg stream within the size limit, with
 * its expected phrases (each word one the recogniser knows). Anything else is refused and
 * nothing is kept; the rest of the upload is drained.
 */
export async function acceptRecording(
  deps: { jobs: SpeechJobs; blobs: BlobStore; knownWord: (word: string) => boolean },
  userId: string,
  source: Readable,
  phrasesField: unknown,
  limits: IntakeLimits,
): Promise<SpeechJobDoc> {
  const id = newJobId();
  let format: AudioFormat = "wav";
  let phrases: string[] | undefined;
  try {
    phrases = phrasesFrom(phrasesField);
    if (phrases?.length) grammarOf(phrases, deps.knownWord);
    await deps.blobs.put(inputKey(id), source, {
      maxBytes: limits.maxAudioBytes,
      idleMs: UPLOAD_IDLE_MS,
      headBytes: 12,
      inspect: (head) => void (format = audioFormatOf(head)),
    });
  } catch (err) {
    source.resume();
    throw refusalOf(err, limits.maxAudioBytes);
  }
  const job = newJob(
    { userId, kind: "transcribe", format, ...(phrases?.length ? { phrases } : {}) },
    limits.ttlHours,
    id,
  );
  return deps.jobs.insert(job);
}

function refusalOf(err: unknown, maxBytes: number): Error {
  if (err instanceof AudioRefused) return unprocessable(err.reason, err.message);
  if (err instanceof BlobTooLarge)
    return payloadTooLarge(`Audio is at most ${Math.round(maxBytes / 1048576)} MB`);
  return unprocessable(SpeechError.AUDIO_INVALID, "The upload stopped before the audio ended");
}

/** Expected phrases, sent as a form field before the file: a JSON list or one a line. */
export function phrasesFrom(field: unknown): string[] | undefined {
  if (typeof field !== "string" || !field.trim()) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(field);
  } catch {
    list = field.split("\n");
  }
  if (!Array.isArray(list) || list.length > 50 || !list.every((p) => typeof p === "string"))
    throw new AudioRefused(
      SpeechError.PHRASE_UNKNOWN,
      "Send at most 50 phrases, as a JSON list of strings",
    );
  return list.map((p: string) => p.trim()).filter(Boolean);
}
