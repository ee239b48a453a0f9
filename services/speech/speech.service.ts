import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Readable } from "node:stream";
import { SpeechError, SpeechJobStatus } from "../../contracts/speech";
import { DbMixin, addStoreLoop, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import {
  conflict,
  invalid,
  lacking,
  notFound,
  payloadTooLarge,
  unprocessable,
} from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { BlobTooLarge, openBlobStore, type BlobStore } from "../../platform/data/blob-store";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { addHealthCheck } from "../../platform/runtime/health";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { AudioRefused, audioFormatOf, grammarOf, type AudioFormat } from "./audio";
import { missingEngines } from "./engines";
import { expireJobs, newJob, newJobId, runWaiting } from "./jobs";
import {
  SPEECH_JOB_INDEXES,
  SPEECH_JOB_SHAPE,
  toJobView,
  VOICES,
  type SpeechJobDoc,
} from "./model";
import { speechSettings } from "./settings";
import { inputKey, loadDictionary, outputKey, type WorkDeps } from "./work";

type SpeechThis = DbService<{ speech_jobs: SpeechJobDoc }> & {
  blobs: BlobStore;
  worker: BackgroundLoop;
  missing: string[];
  dictionary: Set<string>;
};

const WORK_POLL_MS = 1000;
/** An audio upload that sends nothing for this long is given up. */
const UPLOAD_IDLE_MS = 15_000;
const DICTIONARY = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

function own(self: SpeechThis) {
  return ownSettings(self.broker, speechSettings);
}

function workDeps(self: SpeechThis): WorkDeps {
  const s = own(self);
  return {
    blobs: self.blobs,
    limits: {
      timeoutMs: s.speechEngineTimeoutMs,
      memoryMb: s.speechEngineMemoryMb,
      dir: s.speechEnginesDir,
      maxAudioSeconds: s.speechMaxAudioSeconds,
      maxAudioBytes: s.speechMaxAudioBytes,
    },
    knownWord: (word) => self.dictionary.has(word),
  };
}

/** Speech needs every engine: without one, its routes say so and the rest of Bazaar serves on. */
function assertEngines(self: SpeechThis): void {
  if (self.missing.length)
    throw lacking(
      SpeechError.SPEECH_ENGINE_MISSING,
      `Speech is not available on this node: ${self.missing.join(", ")} not installed`,
    );
}

/** Expected phrases, sent as a form field before the file: a JSON list or one a line. */
function phrasesFrom(field: unknown): string[] | undefined {
  if (typeof field !== "string" || !field.trim()) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(field);
  } catch {
    list = field.split("\n");
  }
  if (!Array.isArray(list) || list.length > 50 || !list.every((p) => typeof p === "string"))
    throw unprocessable(
      SpeechError.PHRASE_UNKNOWN,
      "Send at most 50 phrases, as a JSON list of strings",
    );
  return list.map((p: string) => p.trim()).filter(Boolean);
}

/** Wiring only: the rules are in jobs.ts, work.ts, audio.ts and engines.ts. */
const SpeechService: ServiceSchema<ServiceSettingSchema, SpeechThis> = {
  name: "speech",
  mixins: [DbMixin({ speech_jobs: SPEECH_JOB_INDEXES }), HealthMixin],

  actions: {
    synthesize: {
      access: "user",
      openapi: {
        summary: "Read text aloud: a job whose result is a WAV (or OGG) file",
        description:
          "Offline, by flite on the node (its voices: slt, kal, kal16, awb, rms). Answers 202 with the job; poll `GET /speech/jobs/{id}`, then fetch `…/audio`. 503 on a node without the engines.",
        status: 202,
        response: SPEECH_JOB_SHAPE,
        errors: [422],
      },
      params: {
        $$strict: true,
        text: { type: "string", min: 1, max: 100_000, trim: true },
        voice: { type: "enum", values: [...VOICES], optional: true, default: "slt" },
        format: { type: "enum", values: ["wav", "ogg"], optional: true, default: "wav" },
      },
      async handler(
        this: SpeechThis,
        ctx: Ctx<{ text: string; voice: string; format: AudioFormat }>,
      ) {
        assertEngines(this);
        const s = own(this);
        if (ctx.params.text.length > s.speechMaxText)
          throw invalid([
            { field: "text", message: `At most ${s.speechMaxText} characters`, type: "stringMax" },
          ]);
        // Control characters say nothing aloud; the rest reaches flite as a file.
        const text = ctx.params.text.replace(/[\p{Cc}\p{Cf}]+/gu, " ");
        const job = newJob(
          {
            userId: callerOf(ctx).id,
            kind: "synthesize",
            format: ctx.params.format,
            text,
            voice: ctx.params.voice,
          },
          s.speechJobTtlHours,
        );
        await this.repos.speech_jobs.insert(job);
        this.worker.wake();
        return toJobView(job);
      },
    },

    transcribe: {
      access: "user",
      openapi: {
        summary: "Write down speech from a WAV or Ogg upload (multipart): a job",
        description:
          "Offline, by pocketsphinx with its US English model, after sox converts the audio to 16 kHz mono. Open speech is recognised roughly; send the phrases you expect (a `phrases` form field before the file: a JSON list) to have one of them recognised reliably. Answers 202 with the job; the words and their times are in `GET /speech/jobs/{id}`.",
        status: 202,
        response: SPEECH_JOB_SHAPE,
        errors: [413, 422],
      },
      async handler(
        this: SpeechThis,
        ctx: Ctx<Readable, { $multipart?: Record<string, unknown> }>,
      ) {
        const s = own(this);
        if (this.missing.length) {
          ctx.params.resume();
          assertEngines(this);
        }
        let phrases: string[] | undefined;
        try {
          phrases = phrasesFrom(ctx.meta.$multipart?.phrases);
          if (phrases?.length) grammarOf(phrases, (w) => this.dictionary.has(w));
        } catch (err) {
          ctx.params.resume();
          if (err instanceof AudioRefused) throw unprocessable(err.reason, err.message);
          throw err;
        }
        const id = newJobId();
        let format: AudioFormat = "wav";
        try {
          await this.blobs.put(inputKey(id), ctx.params, {
            maxBytes: s.speechMaxAudioBytes,
            idleMs: UPLOAD_IDLE_MS,
            headBytes: 12,
            inspect: (head) => void (format = audioFormatOf(head)),
          });
        } catch (err) {
          ctx.params.resume();
          if (err instanceof AudioRefused) throw unprocessable(err.reason, err.message);
          if (err instanceof BlobTooLarge)
            throw payloadTooLarge(
              `Audio is at most ${Math.round(s.speechMaxAudioBytes / 1048576)} MB`,
            );
          throw unprocessable(
            SpeechError.AUDIO_INVALID,
            "The upload stopped before the audio ended",
          );
        }
        const job = newJob(
          {
            userId: callerOf(ctx).id,
            kind: "transcribe",
            format,
            ...(phrases?.length ? { phrases } : {}),
          },
          s.speechJobTtlHours,
          id,
        );
        await this.repos.speech_jobs.insert(job);
        this.worker.wake();
        return toJobView(job);
      },
    },

    job: {
      access: "user",
      openapi: {
        summary: "A speech job of yours: queued, running, done or failed",
        response: SPEECH_JOB_SHAPE,
      },
      params: { $$strict: true, id: idRule },
      async handler(this: SpeechThis, ctx: Ctx<{ id: string }>) {
        const job = await this.repos.speech_jobs.findById(ctx.params.id);
        if (!job || job.userId !== callerOf(ctx).id) throw notFound("Speech job");
        return toJobView(job);
      },
    },

    audio: {
      access: "user",
      openapi: {
        summary: "The audio a synthesis job made (audio/wav or audio/ogg)",
        errors: [404, 409],
      },
      params: { $$strict: true, id: idRule },
      async handler(this: SpeechThis, ctx: Ctx<{ id: string }, { $responseType?: string }>) {
        const job = await this.repos.speech_jobs.findById(ctx.params.id);
        if (!job || job.userId !== callerOf(ctx).id || job.kind !== "synthesize")
          throw notFound("Speech audio");
        if (job.status !== SpeechJobStatus.DONE)
          throw conflict(
            SpeechError.JOB_NOT_DONE,
            `This job is ${job.status}${job.failure ? `: ${job.failure}` : ""}`,
          );
        const audio = await this.blobs.read(outputKey(job.id));
        if (!audio) throw notFound("Speech audio");
        ctx.meta.$responseType = job.format === "ogg" ? "audio/ogg" : "audio/wav";
        return audio;
      },
    },
  } satisfies Actions,

  created(this: SpeechThis) {
    this.missing = [];
    this.dictionary = new Set();
    this.worker = new BackgroundLoop(
      "speech jobs",
      WORK_POLL_MS,
      async () => {
        if (this.missing.length) return;
        await runWaiting(this.repos.speech_jobs, workDeps(this), own(this).speechConcurrency);
        await expireJobs(this.repos.speech_jobs, this.blobs);
      },
      this.logger,
    );
    addStoreLoop(this, this.worker);
    addHealthCheck(this, "engines", async () => {
      if (this.missing.length) throw new Error(`missing ${this.missing.join(", ")}`);
    });
  },

  async started(this: SpeechThis) {
    this.blobs = openBlobStore(settingsOf(this.broker));
    this.missing = await missingEngines(own(this).speechEnginesDir);
    if (this.missing.length)
      this.logger.warn(
        `Speech engines missing (${this.missing.join(", ")}): its routes answer 503`,
      );
    else this.dictionary = await loadDictionary(DICTIONARY);
  },

  async stopped(this: SpeechThis) {
    await this.worker.stop();
    await this.blobs.close();
  },
};

export default SpeechService;
