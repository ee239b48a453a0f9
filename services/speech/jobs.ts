import { newId } from "../../platform/actions/ids";
import { SpeechJobStatus } from "../../contracts/speech";
import type { BlobStore } from "../../platform/data/blob-store";
import { inputKey, outputKey, runJob, type WorkDeps } from "./work";
import type { SpeechJobDoc, SpeechJobs } from "./model";

export const newJobId = () => newId("sj");

/** A job that stopped its node this often is failed rather than tried again. */
export const MAX_ATTEMPTS = 3;

export function newJob(
  fields: Pick<SpeechJobDoc, "userId" | "kind" | "format" | "text" | "voice" | "phrases">,
  ttlHours: number,
  id = newJobId(),
): SpeechJobDoc {
  const now = new Date();
  return {
    id,
    ...fields,
    status: SpeechJobStatus.QUEUED,
    attempts: 0,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlHours * 3_600_000).toISOString(),
  };
}

/**
 * Takes up to `room` queued jobs (and any whose node stopped mid-way, its lease run out), runs
 * them side by side, and records each outcome. A job is taken by one node: the take is a guarded
 * update.
 */
export async function runWaiting(
  jobs: SpeechJobs,
  deps: WorkDeps,
  room: number,
  now = new Date(),
): Promise<number> {
  const waiting = await jobs.find(
    {
      $or: [
        { status: SpeechJobStatus.QUEUED },
        { status: SpeechJobStatus.RUNNING, leaseUntil: { $lt: now.toISOString() } },
      ],
    },
    { limit: room, sort: { createdAt: 1 } },
  );
  const leaseUntil = new Date(now.getTime() + deps.limits.timeoutMs * 4).toISOString();
  const taken = await Promise.all(
    waiting.map((job) =>
      jobs.findOneAndUpdate(
        job.status === SpeechJobStatus.QUEUED
          ? { id: job.id, status: SpeechJobStatus.QUEUED }
          : { id: job.id, status: SpeechJobStatus.RUNNING, leaseUntil: job.leaseUntil },
        { $set: { status: SpeechJobStatus.RUNNING, leaseUntil }, $inc: { attempts: 1 } },
      ),
    ),
  );
  const mine = taken.filter((job): job is SpeechJobDoc => job !== null);
  await Promise.all(mine.map((job) => finish(jobs, deps, job)));
  return mine.length;
}

async function finish(jobs: SpeechJobs, deps: WorkDeps, job: SpeechJobDoc): Promise<void> {
  const outcome =
    job.attempts > MAX_ATTEMPTS ? { failure: "ENGINE_FAILED" } : await runJob(deps, job);
  const $set: Record<string, unknown> =
    "failure" in outcome
      ? { status: SpeechJobStatus.FAILED, failure: outcome.failure }
      : {
          status: SpeechJobStatus.DONE,
          durationSeconds: outcome.durationSeconds,
          ...(outcome.heard ? { heard: outcome.heard } : {}),
        };
  await jobs.updateOne(
    { id: job.id, status: SpeechJobStatus.RUNNING, leaseUntil: job.leaseUntil },
    { $set, $unset: { leaseUntil: true } },
  );
  // What a job was given is no longer needed once it has an outcome.
  if (job.kind === "transcribe") await deps.blobs.remove(inputKey(job.id));
}

/** Jobs past their time go, with their audio. */
export async function expireJobs(
  jobs: SpeechJobs,
  blobs: BlobStore,
  now = new Date(),
): Promise<number> {
  const old = await jobs.find({ expiresAt: { $lt: now.toISOString() } }, { limit: 50 });
  for (const job of old) {
    await blobs.remove(inputKey(job.id));
    await blobs.remove(outputKey(job.id));
    await jobs.deleteOne({ id: job.id });
  }
  return old.length;
}
