import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, newAccount, type Client } from "../harness/http";
import { startSystem, type TestSystem } from "../harness/system";
import { waitFor } from "../harness/node-process";
import { noiseWav, silentWav, toneWav, wordErrorRate } from "../fixtures/audio";
import { pngFile } from "../fixtures/pdfs";

const SENTENCE = "the sun is a star at the centre of the solar system";

let system: TestSystem;
let api: Client;
let user: { id: string; token: string };

const account = (on: Client, label: string) => newAccount(on, label);

beforeAll(async () => {
  system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    SPEECH_MAX_AUDIO_SECONDS: "20",
  });
  api = client(system.baseUrl);
  await api.followContract();
  user = await account(api, "speaker");
}, 60_000);
afterAll(() => system.stop());

async function finished(id: string, who = user) {
  let job: any;
  await waitFor(
    async () => {
      job = (await api.get(`/api/v1/speech/jobs/${id}`, who)).body;
      return job.status === "done" || job.status === "failed";
    },
    60_000,
    `speech job ${id}`,
  );
  return job;
}

async function audioOf(id: string): Promise<Response> {
  return fetch(`${system.baseUrl}/api/v1/speech/jobs/${id}/audio`, {
    headers: { authorization: `Bearer ${user.token}` },
  });
}

const transcribe = (audio: Buffer, phrases?: string[], type = "audio/wav") => {
  const form = new FormData();
  if (phrases) form.append("phrases", JSON.stringify(phrases));
  form.append("file", new Blob([audio], { type }), "answer.wav");
  return api.request("POST", "/api/v1/speech/transcribe", form, user);
};

describe("Speech, round trip", () => {
  let wav: Buffer;

  test("When text is read aloud, then the job gives a WAV of it", async () => {
    const res = await api.post("/api/v1/speech/synthesize", { text: SENTENCE }, user);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: "synthesize", status: "queued", format: "wav" });
    const job = await finished(res.body.id);
    expect(job.status).toBe("done");
    expect(job.durationSeconds).toBeGreaterThan(1);
    const audio = await audioOf(job.id);
    expect(audio.status).toBe(200);
    expect(audio.headers.get("content-type")).toContain("audio/wav");
    wav = Buffer.from(await audio.arrayBuffer());
    expect(wav.subarray(0, 4).toString("latin1")).toBe("RIFF");
  });

  test("When that WAV is transcribed, then most of its words come back, with their times", async () => {
    const res = await transcribe(wav);
    expect(res.status).toBe(202);
    const job = await finished(res.body.id);
    expect(job.status).toBe("done");
    const rate = wordErrorRate(SENTENCE, job.text);
    process.stdout.write(
      `speech round trip: heard "${job.text}", word error rate ${rate.toFixed(2)}\n`,
    );
    expect(rate).toBeLessThan(0.75);
    for (const word of job.words) expect(word.end).toBeGreaterThanOrEqual(word.start);
  });

  test("When the expected phrases are given, then the one spoken is recognised", async () => {
    const spoken = await api.post("/api/v1/speech/synthesize", { text: "ninety five" }, user);
    await finished(spoken.body.id);
    const audio = Buffer.from(await (await audioOf(spoken.body.id)).arrayBuffer());
    const res = await transcribe(audio, ["ninety five", "eighty eight", "sixteen ten"]);
    const job = await finished(res.body.id);
    expect(job.text).toBe("ninety five");
  });

  test("When OGG is asked for, then the audio is an Ogg stream", async () => {
    const res = await api.post(
      "/api/v1/speech/synthesize",
      { text: "hello", format: "ogg", voice: "kal" },
      user,
    );
    await finished(res.body.id);
    const audio = await audioOf(res.body.id);
    expect(audio.headers.get("content-type")).toContain("audio/ogg");
    expect(
      Buffer.from(await audio.arrayBuffer())
        .subarray(0, 4)
        .toString("latin1"),
    ).toBe("OggS");
  });
});

describe("Speech, refused", () => {
  test("A file that is not audio, or phrases of unknown words, are a 422 and no job", async () => {
    const png = await transcribe(pngFile(), undefined, "audio/wav");
    expect(png.status).toBe(422);
    expect(png.body.type).toBe("AUDIO_INVALID");
    const unknown = await transcribe(toneWav(1), ["zzxqv"]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.type).toBe("PHRASE_UNKNOWN");
    const injected = await transcribe(toneWav(1), ["yes | <x> ; public"]);
    expect(injected.status).toBe(422);
  });

  test("Silence fails as silent, audio past the limit as too long, and a header that lies about its length is read for what it holds", async () => {
    const silent = await finished((await transcribe(silentWav(2))).body.id);
    expect(silent).toMatchObject({ status: "failed", failure: "AUDIO_SILENT" });
    const long = await finished((await transcribe(silentWav(25))).body.id);
    expect(long).toMatchObject({ status: "failed", failure: "AUDIO_TOO_LONG" });
    const liar = toneWav(1);
    liar.writeUInt32LE(0x7fffffff, 40);
    liar.writeUInt32LE(0x7fffffff, 4);
    const lied = await finished((await transcribe(liar)).body.id);
    expect(["done", "failed"]).toContain(lied.status);
    if (lied.status === "done") expect(lied.durationSeconds).toBeLessThan(2);
    const noise = await finished((await transcribe(noiseWav(2))).body.id);
    expect(["done", "failed"]).toContain(noise.status);
    expect((await api.get("/health/ready")).status).toBe(200);
  });

  test("Text past the limit is a 422; another user's job and a transcription's audio are not found; unfinished audio is a 409", async () => {
    expect(
      (await api.post("/api/v1/speech/synthesize", { text: "a".repeat(2001) }, user)).status,
    ).toBe(422);
    expect(
      (await api.post("/api/v1/speech/synthesize", { text: "hi", voice: "../../x" }, user)).status,
    ).toBe(422);
    const job = await api.post("/api/v1/speech/synthesize", { text: "a short one" }, user);
    const early = await audioOf(job.body.id);
    expect([200, 409]).toContain(early.status);
    const other = await account(api, "eavesdropper");
    expect((await api.get(`/api/v1/speech/jobs/${job.body.id}`, other)).status).toBe(404);
    const heard = await transcribe(toneWav(1));
    expect((await audioOf(heard.body.id)).status).toBe(404);
  });
});

describe("Speech on a node without its engines", () => {
  test("Then its routes answer 503 saying so, /health shows it down, and the rest of Bazaar serves on", async () => {
    const bare = await startSystem({
      SPEECH_ENGINES_DIR: mkdtempSync(path.join(tmpdir(), "no-engines-")),
    });
    try {
      const on = client(bare.baseUrl);
      const who = await account(on, "no-speech");
      const res = await on.post("/api/v1/speech/synthesize", { text: "hello" }, who);
      expect(res.status).toBe(503);
      expect(res.body.message).toContain("flite");
      expect(res.headers.get("retry-after")).toBeTruthy();
      expect((await on.get("/api/v1/documents", who)).status).toBe(200);
      expect((await on.get("/health/ready")).status).toBe(200);
      const details = await on.get("/health");
      expect(JSON.stringify(details.body)).toContain('"service:speech":"down"');
    } finally {
      await bare.stop();
    }
  });
});
