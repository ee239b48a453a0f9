import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileBlobStore } from "../../platform/data/blob-store";
import { MAX_ATTEMPTS, newJob, runWaiting, expireJobs } from "../../services/speech/jobs";
import { SPEECH_JOB_INDEXES, type SpeechJobDoc } from "../../services/speech/model";
import { outputKey, type WorkDeps } from "../../services/speech/work";
import { useTempSqlite } from "../harness/temp-store";

const sqlite = useTempSqlite("speech-jobs");

async function setUp() {
  const jobs = await sqlite.store().repository<SpeechJobDoc>("speech_jobs", SPEECH_JOB_INDEXES);
  const blobs = new FileBlobStore(mkdtempSync(path.join(tmpdir(), "bazaar-speech-blobs-")));
  const deps: WorkDeps = {
    blobs,
    limits: { timeoutMs: 30_000, memoryMb: 512, maxAudioSeconds: 20, maxAudioBytes: 1 << 20 },
    knownWord: () => true,
  };
  return { jobs, blobs, deps };
}

const synthesis = (fields: Partial<SpeechJobDoc> = {}) => ({
  ...newJob(
    { userId: "u1", kind: "synthesize", format: "wav", text: "hello there", voice: "slt" },
    24,
  ),
  ...fields,
});

describe("Speech jobs in the store", () => {
  test("When a node restarts, then the jobs it had queued are run by the next pass, with real engines", async () => {
    const { jobs, deps, blobs } = await setUp();
    const job = await jobs.insert(synthesis());
    // The store is closed and opened again: a restart, as far as the queue knows.
    await sqlite.store().close();
    const reopened = await sqlite
      .reopen()
      .repository<SpeechJobDoc>("speech_jobs", SPEECH_JOB_INDEXES);
    expect(await runWaiting(reopened, deps, 2)).toBe(1);
    expect(await reopened.findById(job.id)).toMatchObject({ status: "done", attempts: 1 });
    expect((await blobs.read(outputKey(job.id)))?.subarray(0, 4).toString("latin1")).toBe("RIFF");
  });

  test("When a node died running a job, then another takes it once its lease ran out, and not before", async () => {
    const { jobs, deps } = await setUp();
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    const orphan = await jobs.insert(
      synthesis({ status: "running", leaseUntil: past, attempts: 1 }),
    );
    const held = await jobs.insert(
      synthesis({ status: "running", leaseUntil: future, attempts: 1 }),
    );
    expect(await runWaiting(jobs, deps, 4)).toBe(1);
    expect(await jobs.findById(orphan.id)).toMatchObject({ status: "done", attempts: 2 });
    expect((await jobs.findById(held.id))!.status).toBe("running");
  });

  test("When a job stopped its runners too often, then it fails instead of stopping another", async () => {
    const { jobs, deps } = await setUp();
    const past = new Date(Date.now() - 1000).toISOString();
    const job = await jobs.insert(
      synthesis({ status: "running", leaseUntil: past, attempts: MAX_ATTEMPTS }),
    );
    await runWaiting(jobs, deps, 1);
    expect(await jobs.findById(job.id)).toMatchObject({
      status: "failed",
      failure: "ENGINE_FAILED",
    });
  });

  test("When more jobs wait than a node may run, then one pass runs only its share", async () => {
    const { jobs, deps } = await setUp();
    for (let i = 0; i < 3; i++) await jobs.insert(synthesis());
    expect(await runWaiting(jobs, deps, 2)).toBe(2);
    expect(await jobs.count({ status: "queued" })).toBe(1);
  });

  test("When a job's time is up, then it goes with its audio", async () => {
    const { jobs, deps, blobs } = await setUp();
    const job = await jobs.insert(synthesis());
    await runWaiting(jobs, deps, 1);
    await jobs.updateOne(
      { id: job.id },
      { $set: { expiresAt: new Date(Date.now() - 1).toISOString() } },
    );
    expect(await expireJobs(jobs, blobs)).toBe(1);
    expect(await jobs.findById(job.id)).toBeNull();
    expect(await blobs.read(outputKey(job.id))).toBeNull();
  });
});
