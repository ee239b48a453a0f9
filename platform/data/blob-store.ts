import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import type { Settings } from "../../contracts/settings";
import { isId } from "../actions/ids";

/**
 * Files a service keeps whole (an uploaded PDF, an audio result), by key. Written from a
 * stream, so an upload is never held whole in memory; read back whole, for the engines that
 * need all of it.
 */
export interface BlobStore {
  /**
   * Keeps what `source` gives under `key`, refusing (BlobTooLarge) past `maxBytes`; nothing of
   * a refused or broken write is kept. `inspect` sees the first bytes as they pass and may
   * throw to refuse them.
   */
  put(key: string, source: Readable, options: PutOptions): Promise<{ size: number }>;
  read(key: string): Promise<Buffer | null>;
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface PutOptions {
  maxBytes: number;
  /**
   * A source that gives nothing for this long is given up (an upload whose client went away
   * without closing it would otherwise hold its request forever).
   */
  idleMs?: number;
  /** Called once with at least the first `headBytes` bytes (or all, if fewer). */
  inspect?: (head: Buffer) => void;
  headBytes?: number;
}

export class SourceIdle extends Error {
  readonly code = "UPLOAD_IDLE";
  constructor(idleMs: number) {
    super(`nothing arrived for ${idleMs} ms`);
  }
}

export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than ${maxBytes} bytes`);
  }
}

/** Keys are ids: a key never becomes a path outside the store's folder. */
function assertKey(key: string): void {
  if (!isId(key)) throw new Error("a blob key must be an id");
}

/** Counts and caps what passes, and shows the head to `inspect` once. */
class Metered extends Transform {
  size = 0;
  private head: Buffer[] = [];
  private inspected = false;
  private idle?: NodeJS.Timeout;

  constructor(private readonly options: PutOptions) {
    super();
    this.watch();
    this.once("close", () => clearTimeout(this.idle));
  }

  /** Restarts the wait for the next piece; the source is destroyed if it never comes. */
  private watch(): void {
    const idleMs = this.options.idleMs;
    if (!idleMs) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.destroy(new SourceIdle(idleMs)), idleMs);
    this.idle.unref();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.watch();
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) return done(new BlobTooLarge(this.options.maxBytes));
    try {
      this.look(chunk, false);
    } catch (err) {
      return done(err as Error);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    clearTimeout(this.idle);
    try {
      this.look(Buffer.alloc(0), true);
    } catch (err) {
      return done(err as Error);
    }
    done();
  }

  private look(chunk: Buffer, ended: boolean): void {
    if (this.inspected || !this.options.inspect) return;
    this.head.push(chunk);
    const head = Buffer.concat(this.head);
    if (head.length < (this.options.headBytes ?? 8) && !ended) return;
    this.inspected = true;
    this.head = [];
    this.options.inspect(head);
  }
}

/** Embedded: one file a blob under `<DATA_DIR>/blobs`, written beside and renamed when whole. */
export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  async put(key: string, source: Readable, options: PutOptions): Promise<{ size: number }> {
    assertKey(key);
    await mkdir(this.dir, { recursive: true });
    const final = path.join(this.dir, key);
    const partial = `${final}.partial`;
    const meter = new Metered(options);
    try {
      await pipeline(source, meter, createWriteStream(partial));
      await rename(partial, final);
      return { size: meter.size };
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async read(key: string): Promise<Buffer | null> {
    assertKey(key);
    try {
      return await readFile(path.join(this.dir, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    assertKey(key);
    await rm(path.join(this.dir, key), { force: true });
  }

  async close(): Promise<void> {}
}

const PART_BYTES = 1024 * 1024;

/**
 * In a cluster: parts of at most 1 MB in PostgreSQL, so every node reads what any node kept.
 * The parts are written in one transaction, so a broken upload leaves none.
 */
export class PostgresBlobStore implements BlobStore {
  private readonly pool: pg.Pool;
  private ready?: Promise<unknown>;

  constructor(uri: string) {
    this.pool = new pg.Pool({ connectionString: uri, max: 4 });
  }

  private table(): Promise<unknown> {
    return (this.ready ??= this.pool.query(
      `CREATE TABLE IF NOT EXISTS blob_parts (
         key text NOT NULL, part integer NOT NULL, data bytea NOT NULL,
         PRIMARY KEY (key, part))`,
    ));
  }

  async put(key: string, source: Readable, options: PutOptions): Promise<{ size: number }> {
    assertKey(key);
    await this.table();
    const client = await this.pool.connect();
    const meter = new Metered(options);
    try {
      await client.query("BEGIN");
      await client.query("DELETE FROM blob_parts WHERE key = $1", [key]);
      let part = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (!pendingBytes) return;
        await client.query("INSERT INTO blob_parts (key, part, data) VALUES ($1, $2, $3)", [
          key,
          part++,
          Buffer.concat(pending),
        ]);
        pending = [];
        pendingBytes = 0;
      };
      await pipeline(source, meter, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= PART_BYTES) await flush();
        }
      });
      await flush();
      await client.query("COMMIT");
      return { size: meter.size };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async read(key: string): Promise<Buffer | null> {
    assertKey(key);
    await this.table();
    const { rows } = await this.pool.query<{ data: Buffer }>(
      "SELECT data FROM blob_parts WHERE key = $1 ORDER BY part",
      [key],
    );
    return rows.length ? Buffer.concat(rows.map((row) => row.data)) : null;
  }

  async remove(key: string): Promise<void> {
    assertKey(key);
    await this.table();
    await this.pool.query("DELETE FROM blob_parts WHERE key = $1", [key]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Files beside the embedded store; PostgreSQL when the store is PostgreSQL. */
export function openBlobStore(settings: Pick<Settings, "dbUri" | "dataDir">): BlobStore {
  const uri = settings.dbUri;
  if (uri?.startsWith("postgres")) return new PostgresBlobStore(uri);
  return new FileBlobStore(path.join(settings.dataDir, "blobs"));
}
