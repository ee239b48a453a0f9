import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  BlobTooLarge,
  FileBlobStore,
  PostgresBlobStore,
  type BlobStore,
} from "../../platform/data/blob-store";
import { createDatabase, postgresAvailable, type TestDatabase } from "../harness/postgres";

/** The one contract both blob stores keep: the file store embedded, PostgreSQL in a cluster. */
type Case = [
  string,
  () => Promise<{ store: BlobStore; leftovers(): Promise<number>; drop(): Promise<void> }>,
];

const cases: Case[] = [
  [
    "files under DATA_DIR",
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "bazaar-blobs-"));
      return {
        store: new FileBlobStore(dir),
        leftovers: async () => readdirSync(dir).length,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];
if (postgresAvailable() || process.env.CI === "true")
  cases.push([
    "PostgreSQL",
    async () => {
      const database: TestDatabase = await createDatabase();
      const store = new PostgresBlobStore(database.uri);
      return {
        store,
        leftovers: async () => {
          const probe = new PostgresBlobStore(database.uri);
          // Reading any key creates the table if a refusal came before it.
          await probe.read("probe");
          const pool = (
            probe as unknown as { pool: { query(q: string): Promise<{ rows: { n: string }[] }> } }
          ).pool;
          const { rows } = await pool.query("SELECT count(*) AS n FROM blob_parts");
          await probe.close();
          return Number(rows[0].n);
        },
        drop: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  ]);

/** A source that gives `size` bytes in 64 KB pieces, as an upload arrives. */
function source(size: number, fill = 0x41): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, 65536);
      left -= n;
      this.push(Buffer.alloc(n, fill));
    },
  });
}

describe.each(cases)("The blob store on %s", (_name, open) => {
  let subject: Awaited<ReturnType<Case[1]>>;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(() => subject.drop());

  test("When a stream is kept, then it reads back byte for byte, across parts", async () => {
    const size = 2.5 * 1024 * 1024;
    expect(await subject.store.put("doc_a", source(size, 0x42), { maxBytes: 10 << 20 })).toEqual({
      size,
    });
    const back = await subject.store.read("doc_a");
    expect(back?.length).toBe(size);
    expect(back?.every((b) => b === 0x42)).toBe(true);
  });

  test("When a stream passes the limit, then it is refused and nothing of it is kept", async () => {
    await expect(
      subject.store.put("doc_b", source(3 << 20), { maxBytes: 1 << 20 }),
    ).rejects.toBeInstanceOf(BlobTooLarge);
    expect(await subject.store.read("doc_b")).toBeNull();
    expect(await subject.leftovers()).toBe(0);
  });

  test("When the head is refused, then the write stops there and nothing is kept", async () => {
    const refuse = () => {
      throw new Error("not wanted");
    };
    await expect(
      subject.store.put("doc_c", source(1 << 20), {
        maxBytes: 10 << 20,
        inspect: refuse,
        headBytes: 8,
      }),
    ).rejects.toThrow("not wanted");
    expect(await subject.store.read("doc_c")).toBeNull();
  });

  test("When the source breaks half way, then nothing is kept", async () => {
    const broken = new Readable({
      read() {
        this.push(Buffer.alloc(65536, 1));
        this.destroy(Object.assign(new Error("cut"), { code: "ECONNRESET" }));
      },
    });
    await expect(subject.store.put("doc_d", broken, { maxBytes: 10 << 20 })).rejects.toThrow("cut");
    expect(await subject.store.read("doc_d")).toBeNull();
  });

  test("When a blob is removed, then it reads as absent, and a key that is not an id is refused", async () => {
    await subject.store.put("doc_e", source(10), { maxBytes: 100 });
    await subject.store.remove("doc_e");
    expect(await subject.store.read("doc_e")).toBeNull();
    await expect(subject.store.read("../jwt-secret")).rejects.toThrow("id");
  });
});
