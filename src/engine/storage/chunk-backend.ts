import { createHash } from "node:crypto";
import { StorageError } from "./errors.js";

/**
 * Where the content-addressed chunks of one backup storage live. Everything else of the storage — manifests,
 * CDP journals, pins, locks — stays in its directory; only chunk bytes go through this interface, so the
 * backup, restore, CDP, GC and verify code is the same whichever implementation holds them.
 *
 * Implementations: `ChunkStore` (chunk-store.ts, a local directory: the embedded default) and `S3ChunkStore`
 * (s3-chunk-store.ts, an S3-compatible bucket). Which one a storage uses is decided by `chunkBackendFor`
 * (chunk-backends.ts).
 *
 * Contract every implementation keeps: a chunk is immutable once stored and its name is the SHA-256 of its
 * bytes; a chunk `put` through a batch is durable once the batch's `commit()` resolves, so a manifest written
 * after that commit never outlives its chunks in a crash.
 */
export interface ChunkBackend {
  /** Where the chunks are, for messages (a directory, or `s3://bucket/key-prefix`; never a credential). */
  readonly location: string;
  has(hash: string): Promise<boolean>;
  /** Size in bytes of a stored chunk, or undefined when it is absent. */
  sizeOf(hash: string): Promise<number | undefined>;
  /** The stored bytes of a chunk as they are (not checked against the name), or undefined when absent. */
  fetch(hash: string): Promise<Buffer | undefined>;
  /**
   * Reads a chunk and checks it still hashes to its name. Throws `missing_chunk` or `corrupt_chunk` naming the
   * chunk and `context` (e.g. the backup id) — it never returns bytes that do not match.
   */
  read(hash: string, context: string): Promise<Buffer>;
  /** Every stored chunk hash. */
  list(): Promise<string[]>;
  /** Deletes chunks (absent ones are not an error); returns how many it was asked to delete. */
  removeMany(hashes: Iterable<string>): Promise<number>;
  /**
   * Removes what crashed writers left half-written (temporary files `isLeftover` accepts; by default those of
   * dead processes of this host); returns how many items it removed.
   */
  sweepTmp(isLeftover?: (name: string) => boolean): Promise<number>;
  /** Creates what the backend needs before its first write (the local directory); idempotent. */
  prepare(): Promise<void>;
  /** Starts a group of writes made durable together by its `commit()`. */
  batch(): ChunkWriteBatch;
}

export interface ChunkWriteBatch {
  /**
   * Stores `data` under `hash` (the caller computed it) unless a chunk of that name exists. Returns the bytes
   * newly written (0 when deduplicated). Concurrent puts of the same chunk are safe.
   */
  put(hash: string, data: Uint8Array): Promise<number>;
  /** Makes every chunk put so far durable; call before publishing anything that references them. */
  commit(): Promise<void>;
}

/** SHA-256 of `data` as lowercase hex: the name of a chunk. */
export function chunkHash(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const HASH_RE = /^[0-9a-f]{64}$/;

export function isChunkHash(s: string): boolean {
  return HASH_RE.test(s);
}

/** `read` in terms of `fetch`: the hash check every implementation owes its callers. */
export async function readChecked(backend: ChunkBackend, hash: string, context: string): Promise<Buffer> {
  const data = await backend.fetch(hash);
  if (data === undefined) throw new StorageError("missing_chunk", `chunk ${hash} of ${context} is missing from ${backend.location}`);
  const actual = chunkHash(data);
  if (actual !== hash) throw new StorageError("corrupt_chunk", `chunk ${hash} of ${context} is corrupt: its bytes hash to ${actual}`);
  return data;
}

/**
 * Dedups concurrent puts of one hash within a batch, so equal chunks are written (and counted) once: the
 * second caller waits for the first and reports 0 bytes.
 */
export class InflightPuts {
  private readonly inflight = new Map<string, Promise<number>>();

  async run(hash: string, write: () => Promise<number>): Promise<number> {
    const running = this.inflight.get(hash);
    if (running) {
      await running;
      return 0;
    }
    const p = write();
    this.inflight.set(hash, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(hash);
    }
  }
}
