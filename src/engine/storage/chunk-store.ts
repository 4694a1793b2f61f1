import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir, readdirOrEmpty, sweepStaleTmp, tmpPathFor } from "./durable-file.js";
import { StorageError } from "./errors.js";

/** SHA-256 of `data` as lowercase hex: the name of a chunk. */
export function chunkHash(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const HASH_RE = /^[0-9a-f]{64}$/;

export function isChunkHash(s: string): boolean {
  return HASH_RE.test(s);
}

/**
 * Content-addressed chunk files of one backup storage: `<root>/<first two hex>/<sha256>`. A chunk is written
 * once (temp file, fsync, rename) and never modified, so every backup, VM, CDP base and API sharing a backup
 * storage shares its chunks. Chunks are stored uncompressed (see docs/storage.md for the measurement).
 *
 * Directory fsyncs are batched per `ChunkBatch`: a writer calls `commit()` before publishing anything that
 * references the chunks it wrote, so a manifest never survives a crash its chunks did not.
 */
export class ChunkStore {
  constructor(readonly root: string) {}

  path(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash);
  }

  async has(hash: string): Promise<boolean> {
    try {
      await stat(this.path(hash));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }

  /** Size in bytes of a stored chunk, or undefined when it is absent. */
  async sizeOf(hash: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(hash))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** Starts a group of writes whose directory entries are made durable together by `commit()`. */
  batch(): ChunkBatch {
    return new ChunkBatch(this);
  }

  /**
   * Reads a chunk and checks it still hashes to its name. Throws `missing_chunk` or `corrupt_chunk` naming the
   * chunk and `context` (e.g. the backup id) — it never returns bytes that do not match.
   */
  async read(hash: string, context: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(this.path(hash));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        throw new StorageError("missing_chunk", `chunk ${hash} of ${context} is missing from ${this.root}`);
      }
      throw e;
    }
    const actual = chunkHash(data);
    if (actual !== hash) {
      throw new StorageError("corrupt_chunk", `chunk ${hash} of ${context} is corrupt: its bytes hash to ${actual}`);
    }
    return data;
  }

  /** Every stored chunk hash (temporary files excluded). */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const prefix of await readdirOrEmpty(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const name of await readdirOrEmpty(join(this.root, prefix))) {
        if (isChunkHash(name)) out.push(name);
      }
    }
    return out;
  }

  /** Deletes chunks (no fsync per file: a chunk that reappears after a crash is only garbage for the next GC). */
  async removeMany(hashes: Iterable<string>): Promise<number> {
    let n = 0;
    const dirs = new Set<string>();
    for (const h of hashes) {
      await rm(this.path(h), { force: true });
      dirs.add(join(this.root, h.slice(0, 2)));
      n++;
    }
    for (const d of dirs) await fsyncDir(d).catch(() => undefined);
    return n;
  }

  /** Removes temporary chunk files left by crashed writers. */
  async sweepTmp(): Promise<number> {
    let n = 0;
    for (const prefix of await readdirOrEmpty(this.root)) {
      if (/^[0-9a-f]{2}$/.test(prefix)) n += await sweepStaleTmp(join(this.root, prefix));
    }
    return n;
  }
}

export class ChunkBatch {
  private readonly dirs = new Set<string>();
  /** Puts in progress by hash, so equal chunks within one batch are written (and counted) once. */
  private readonly inflight = new Map<string, Promise<number>>();

  constructor(private readonly store: ChunkStore) {}

  /**
   * Stores `data` under `hash` (the caller computed it) unless a chunk of that name exists. Returns the bytes
   * newly written (0 when deduplicated). Concurrent puts of the same chunk are safe: both renames carry the
   * same bytes.
   */
  async put(hash: string, data: Uint8Array): Promise<number> {
    const running = this.inflight.get(hash);
    if (running) {
      await running;
      return 0;
    }
    const p = this.write(hash, data);
    this.inflight.set(hash, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(hash);
    }
  }

  private async write(hash: string, data: Uint8Array): Promise<number> {
    if (await this.store.has(hash)) return 0;
    const dir = join(this.store.root, hash.slice(0, 2));
    await mkdir(dir, { recursive: true });
    const final = join(dir, hash);
    const tmp = tmpPathFor(final);
    const fh = await open(tmp, "w");
    try {
      await fh.write(data, 0, data.length, 0);
      await fh.datasync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    await rename(tmp, final);
    this.dirs.add(dir);
    return data.length;
  }

  /** Makes every chunk put so far durable (fsyncs the directories their names were created in, and the root). */
  async commit(): Promise<void> {
    if (this.dirs.size === 0) return;
    const dirs = [...this.dirs];
    this.dirs.clear();
    for (const d of dirs) await fsyncDir(d);
    await fsyncDir(this.store.root);
  }
}
