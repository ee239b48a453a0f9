import { integer, text, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface SpeechSettings {
  speechMaxText: number;
  speechMaxAudioBytes: number;
  speechMaxAudioSeconds: number;
  speechConcurrency: number;
  speechJobTtlHours: number;
  speechEngineTimeoutMs: number;
  speechEngineMemoryMb: number;
  speechEnginesDir?: string;
}

/** What only the speech service reads from the environment. */
export const speechSettings: ServiceSettings<SpeechSettings> = {
  read: (env) => ({
    speechMaxText: integer(env, "SPEECH_MAX_TEXT", 2000, 1, 100_000),
    speechMaxAudioBytes: integer(env, "SPEECH_MAX_AUDIO_MB", 10, 1, 1024) * 1024 * 1024,
    speechMaxAudioSeconds: integer(env, "SPEECH_MAX_AUDIO_SECONDS", 60, 1, 3600),
    speechConcurrency: integer(env, "SPEECH_CONCURRENCY", 2, 1, 64),
    speechJobTtlHours: integer(env, "SPEECH_JOB_TTL_HOURS", 24, 1, 24 * 365),
    speechEngineTimeoutMs: integer(env, "SPEECH_ENGINE_TIMEOUT_MS", 60_000, 1000, 3_600_000),
    speechEngineMemoryMb: integer(env, "SPEECH_ENGINE_MEMORY_MB", 512, 64, 16_384),
    speechEnginesDir: text(env, "SPEECH_ENGINES_DIR"),
  }),
  docs: [
    {
      variables: ["SPEECH_MAX_TEXT"],
      embedded: "2000",
      meaning: "the most characters one synthesis reads aloud",
    },
    {
      variables: ["SPEECH_MAX_AUDIO_MB"],
      embedded: "10",
      meaning: "the largest audio upload to transcribe, in MB",
    },
    {
      variables: ["SPEECH_MAX_AUDIO_SECONDS"],
      embedded: "60",
      meaning: "the longest audio to transcribe, in seconds",
    },
    {
      variables: ["SPEECH_CONCURRENCY"],
      embedded: "2",
      meaning: "speech jobs one node runs at once; the rest wait their turn",
    },
    {
      variables: ["SPEECH_JOB_TTL_HOURS"],
      embedded: "24",
      meaning: "how long a speech job and its audio are kept",
    },
    {
      variables: ["SPEECH_ENGINE_TIMEOUT_MS"],
      embedded: "60000",
      meaning: "how long one engine run (flite, pocketsphinx, sox) may take before it is stopped",
    },
    {
      variables: ["SPEECH_ENGINE_MEMORY_MB"],
      embedded: "512",
      meaning: "the address space one engine run may take (`prlimit --as`)",
    },
    {
      variables: ["SPEECH_ENGINES_DIR"],
      embedded: "unset: the `PATH`",
      meaning:
        "the folder holding flite, pocketsphinx_continuous, sox, soxi and prlimit; a node without them answers 503 on the speech routes",
    },
  ],
};
