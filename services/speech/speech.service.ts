import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Readable } from "node:stream";
import { SpeechError, SpeechJobStatus } from "../../contracts/speech";
import { DbMixin, addStoreLoop, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { conflict, lacking, notFound } from "../../platform/actions/errors";
import { idRule } from "../../platform/actions/ids";
import { openBlobStore, type BlobStore } from "../../platform/data/blob-store";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { addHealthCheck } from "../../platform/runtime/health";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import type { AudioFormat } from "./audio";
import { missingEngines } from "./engines";
import { expireJobs, runWaiting } from "./jobs";
import {
  SPEECH_JOB_INDEXES,
  SPEECH_JOB_SHAPE,
  toJobView,
  VOICES,
  type SpeechJobDoc,
} from "./model";
import { speechSettings } from "./settings";
import { acceptRecording, acceptText, type IntakeLimits } from "./intake";
import { loadDictionary, outputKey, type WorkDeps } from "./work";

type SpeechThis = DbService<{ speech_jobs: SpeechJobDoc }> & {
  blobs: BlobStore;
  worker: BackgroundLoop;
  missing: string[];
  dictionary: Set<string>;
};

const WORK_POLL_MS = 1000;
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

function limitsOf(self: SpeechThis): IntakeLimits {
  const s = own(self);
  return {
    maxText: s.speechMaxText,
    maxAudioBytes: s.speechMaxAudioBytes,
    ttlHours: s.speechJobTtlHours,
  };
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
        const job = await acceptText(
          this.repos.speech_jobs,
          callerOf(ctx).id,
          ctx.params,
          limitsOf(this),
        );
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
        if (this.missing.length) {
          ctx.params.resume();
          assertEngines(this);
        }
        const deps = {
          jobs: this.repos.speech_jobs,
          blobs: this.blobs,
          knownWord: (w: string) => this.dictionary.has(w),
        };
        const job = await acceptRecording(
          deps,
          callerOf(ctx).id,
          ctx.params,
          ctx.meta.$multipart?.phrases,
          limitsOf(this),
        );
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
