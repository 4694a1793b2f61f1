import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { InflightPuts, isChunkHash, readChecked, type ChunkBackend, type ChunkWriteBatch } from "./chunk-backend.js";
import { fsyncDir, readIfExists, readdirOrEmpty, sweepStaleTmp, tmpPathFor } from "./durable-file.js";

export { chunkHash, isChunkHash } from "./chunk-backend.js";

/**
 * The filesystem `ChunkBackend`, the embedded default: content-addressed chunk files of one backup storage,
 * `<root>/<first two hex>/<sha256>`. A chunk is written once (temp file, fsync, rename) and never modified, so
 * every backup, VM, CDP base and API sharing a backup storage shares its chunks. Chunks are stored uncompressed (see docs/storage.md for the measurement).
 *
 * Directory fsyncs are batched per `ChunkBatch`: a writer calls `commit()` before publishing anything that
 * references the chunks it wrote, so a manifest never survives a crash its chunks did not.
 */
export class ChunkStore implements ChunkBackend {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

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

  async prepare(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /** Starts a group of writes whose directory entries are made durable together by `commit()`. */
  batch(): ChunkBatch {
    return new ChunkBatch(this);
  }

  fetch(hash: string): Promise<Buffer | undefined> {
    return readIfExists(this.path(hash));
  }

  read(hash: string, context: string): Promise<Buffer> {
    return readChecked(this, hash, context);
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
  async sweepTmp(isLeftover?: (name: string) => boolean): Promise<number> {
    let n = 0;
    for (const prefix of await readdirOrEmpty(this.root)) {
      if (/^[0-9a-f]{2}$/.test(prefix)) n += await sweepStaleTmp(join(this.root, prefix), isLeftover);
    }
    return n;
  }
}

export class ChunkBatch implements ChunkWriteBatch {
  private readonly dirs = new Set<string>();
  private readonly inflight = new InflightPuts();

  constructor(private readonly store: ChunkStore) {}

  /**
   * Stores `data` under `hash` (the caller computed it) unless a chunk of that name exists. Returns the bytes
   * newly written (0 when deduplicated). Concurrent puts of the same chunk are safe: both renames carry the
   * same bytes.
   */
  put(hash: string, data: Uint8Array): Promise<number> {
    return this.inflight.run(hash, () => this.write(hash, data));
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
