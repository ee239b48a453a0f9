/**
 * The speech service's contract: text read aloud and speech written down, as jobs, by offline
 * engines on the node (flite, pocketsphinx, sox from Debian's packages).
 */
export const SpeechAction = {
  synthesize: "speech.synthesize",
  transcribe: "speech.transcribe",
  job: "speech.job",
  audio: "speech.audio",
} as const;

export const SpeechError = {
  AUDIO_INVALID: "AUDIO_INVALID",
  AUDIO_TOO_LONG: "AUDIO_TOO_LONG",
  AUDIO_SILENT: "AUDIO_SILENT",
  PHRASE_UNKNOWN: "PHRASE_UNKNOWN",
  JOB_NOT_DONE: "JOB_NOT_DONE",
  /** 503: this node lacks an engine (not installed); another node may have it. */
  SPEECH_ENGINE_MISSING: "SPEECH_ENGINE_MISSING",
} as const;

export const SpeechJobStatus = {
  QUEUED: "queued",
  RUNNING: "running",
  DONE: "done",
  FAILED: "failed",
} as const;
export type SpeechJobStatus = (typeof SpeechJobStatus)[keyof typeof SpeechJobStatus];

export type SpeechJobKind = "synthesize" | "transcribe";

export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

export interface SpeechJobView {
  id: string;
  kind: SpeechJobKind;
  status: SpeechJobStatus;
  failure?: string;
  /** Transcription: the words heard, with their times in seconds. */
  text?: string;
  words?: TimedWord[];
  /** Synthesis: the audio's length and format, fetched from `…/audio`. */
  durationSeconds?: number;
  format?: "wav" | "ogg";
  createdAt: string;
  expiresAt: string;
}
