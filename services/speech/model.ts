import type {
  SpeechJobKind,
  SpeechJobStatus,
  SpeechJobView,
  TimedWord,
} from "../../contracts/speech";
import { SpeechJobStatus as Status } from "../../contracts/speech";
import type { IndexSpec, Repository } from "../../platform/data/repository";
import { arrayOf, dateTime, number, object, oneOf, string } from "../../platform/actions/openapi";

export interface SpeechJobDoc {
  id: string;
  userId: string;
  kind: SpeechJobKind;
  status: SpeechJobStatus;
  failure?: string;
  /** Synthesis: what to read, in which voice, to which format. */
  text?: string;
  voice?: string;
  format: "wav" | "ogg";
  /** Transcription: the phrases expected, if any. */
  phrases?: string[];
  heard?: { text: string; words: TimedWord[] };
  durationSeconds?: number;
  leaseUntil?: string;
  attempts: number;
  createdAt: string;
  expiresAt: string;
}
export type SpeechJobs = Repository<SpeechJobDoc>;

export const SPEECH_JOB_INDEXES: IndexSpec[] = [
  { fields: ["status", "leaseUntil"] },
  { fields: ["expiresAt"], range: "string" },
];

export const VOICES = ["slt", "kal", "kal16", "awb", "rms"] as const;

export const SPEECH_JOB_SHAPE = object(
  {
    id: string,
    kind: oneOf(["synthesize", "transcribe"]),
    status: oneOf(Object.values(Status)),
    failure: string,
    text: string,
    words: arrayOf(object({ word: string, start: number, end: number }, [], "TimedWord")),
    durationSeconds: number,
    format: oneOf(["wav", "ogg"]),
    createdAt: dateTime,
    expiresAt: dateTime,
  },
  ["failure", "text", "words", "durationSeconds", "format"],
  "SpeechJob",
);

export function toJobView(job: SpeechJobDoc): SpeechJobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    ...(job.failure ? { failure: job.failure } : {}),
    ...(job.heard ? { text: job.heard.text, words: job.heard.words } : {}),
    ...(job.durationSeconds !== undefined ? { durationSeconds: job.durationSeconds } : {}),
    ...(job.kind === "synthesize" ? { format: job.format } : {}),
    createdAt: job.createdAt,
    expiresAt: job.expiresAt,
  };
}
