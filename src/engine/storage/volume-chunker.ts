import { open, rename, rm } from "node:fs/promises";
import { chunkHash, type ChunkBackend, type ChunkWriteBatch } from "./chunk-backend.js";
import { tmpPathFor } from "./durable-file.js";
import { StorageError } from "./errors.js";
import { chunkCount, chunkLength } from "./manifest.js";
import type { Throttle } from "./throttle.js";
import { takeAll } from "./throttle.js";

export interface CaptureInput {
  sourcePath: string;
  size: number;
  chunkSize: number;
  /**
   * Chunks of an earlier capture of the same volume with the same chunk size, reusable where clean. The caller
   * keeps them from being collected (pins them) for the whole capture.
   */
  parent?: { chunks: readonly (string | null)[]; volumeSize: number };
  /**
   * Per chunk: true when it must be read. Only used with `parent`; without it every chunk is read and a chunk
   * that hashes the same as the parent's is reused as is (not stored, not looked up).
   */
  dirty?: readonly boolean[];
  /** Throttles on bytes read from the source. */
  readThrottles?: readonly Throttle[];
  /** Throttles on bytes newly written to the chunk store. */
  writeThrottles?: readonly Throttle[];
  /** Chunks processed at once (reads, hashes and writes overlap across them). */
  concurrency?: number;
  /** Aborts the capture between chunks and during throttle waits (rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Wraps the step that makes the capture rely on a stored chunk (`put` stores it unless present and returns
   * the bytes written): the backup store runs it under the storage's shared lock and pins the hash first, so
   * GC keeps the chunk without the lock being held across throttle waits. Default: just `put()`.
   */
  reference?: (hash: string, put: () => Promise<number>) => Promise<number>;
}

export interface CaptureResult {
  chunks: (string | null)[];
  /** Bytes newly written to the chunk store. */
  storedSize: number;
  /** Bytes read from the source. */
  readSize: number;
  /** Whether parent chunks were reused. */
  incremental: boolean;
}

/**
 * Splits the source file into chunks, storing each non-zero chunk through `batch` (deduplicated by hash) and
 * recording all-zero chunks as holes. With a parent and a dirty list, clean chunks are taken from the parent
 * without reading them. Bytes past the source file's end read as zeros. The caller commits the batch before
 * publishing the result.
 */
export async function captureVolume(store: ChunkBackend, batch: ChunkWriteBatch, input: CaptureInput): Promise<CaptureResult> {
  const { size, chunkSize } = input;
  const count = chunkCount(size, chunkSize);
  const chunks: (string | null)[] = new Array<string | null>(count).fill(null);
  const parent = input.parent;
  const reusable = (i: number): boolean =>
    parent !== undefined &&
    input.dirty !== undefined &&
    input.dirty[i] === false &&
    i < parent.chunks.length &&
    chunkLength(i, size, chunkSize) === chunkLength(i, parent.volumeSize, chunkSize);
  const sameAsParent = (i: number, hash: string): boolean => parent !== undefined && input.dirty === undefined && parent.chunks[i] === hash;
  let storedSize = 0;
  let readSize = 0;
  let reused = false;
  const zero = Buffer.alloc(chunkSize);
  const reference = input.reference ?? ((_hash: string, put: () => Promise<number>) => put());
  const fh = await open(input.sourcePath, "r").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new StorageError("invalid_argument", `source volume file ${input.sourcePath} does not exist`, "sourcePath");
    throw e;
  });
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      const buf = Buffer.allocUnsafe(chunkSize);
      for (;;) {
        const i = next++;
        if (i >= count) return;
        if (reusable(i)) {
          chunks[i] = parent!.chunks[i] ?? null;
          reused = true;
          continue;
        }
        const len = chunkLength(i, size, chunkSize);
        await takeAll(input.readThrottles ?? [], len, input.signal);
        const data = buf.subarray(0, len);
        await readFully(fh, data, i * chunkSize);
        readSize += len;
        if (data.equals(zero.subarray(0, len))) continue;
        const hash = chunkHash(data);
        if (sameAsParent(i, hash)) {
          chunks[i] = hash;
          reused = true;
          continue;
        }
        // Throttled before `reference`, which must stay short; `put` checks again whether the chunk exists. Without
        // a write throttle there is nothing to wait for: no lookup (a round trip per chunk on an object store).
        const writeThrottles = input.writeThrottles ?? [];
        if (writeThrottles.length > 0 && !(await store.has(hash))) await takeAll(writeThrottles, len, input.signal);
        input.signal?.throwIfAborted();
        const written = await reference(hash, () => batch.put(hash, data));
        storedSize += written; // not `+= await`: that would read storedSize before the other workers add to it
        chunks[i] = hash;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 4) }, worker));
  } finally {
    await fh.close();
  }
  return { chunks, storedSize, readSize, incremental: reused };
}

/** Fills `buf` from `position`, zero-filling whatever lies past the end of the file. */
async function readFully(fh: import("node:fs/promises").FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) {
      buf.fill(0, done);
      return;
    }
    done += bytesRead;
  }
}

export interface MaterializeInput {
  chunks: readonly (string | null)[];
  volumeSize: number;
  chunkSize: number;
  destPath: string;
  /** Names the source in errors, e.g. `backup abc`. */
  context: string;
  readThrottles?: readonly Throttle[];
  writeThrottles?: readonly Throttle[];
  concurrency?: number;
  signal?: AbortSignal;
  /** Runs on the finished temp file before it is renamed over `destPath` (e.g. to replay a journal). */
  beforePublish?: (tmpPath: string) => Promise<void>;
}

/**
 * Writes the chunks' bytes into a temp file beside `destPath` (holes stay sparse), verifying every chunk's hash,
 * fsyncs it and renames it over `destPath`. On any error (a missing or corrupt chunk included) the temp file is
 * removed and `destPath` is untouched, so wrong bytes never reach it.
 */
export async function materializeChunks(store: ChunkBackend, input: MaterializeInput): Promise<void> {
  const tmp = tmpPathFor(input.destPath);
  const fh = await open(tmp, "w");
  try {
    await fh.truncate(input.volumeSize);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= input.chunks.length) return;
        const hash = input.chunks[i];
        if (hash === null || hash === undefined) continue;
        const len = chunkLength(i, input.volumeSize, input.chunkSize);
        await takeAll(input.readThrottles ?? [], len, input.signal);
        const data = await store.read(hash, input.context);
        if (data.length !== len) {
          throw new Error(`chunk ${hash} of ${input.context} is ${data.length} bytes where the manifest needs ${len}`);
        }
        await takeAll(input.writeThrottles ?? [], len, input.signal);
        await fh.write(data, 0, len, i * input.chunkSize);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 4) }, worker));
    if (input.beforePublish) {
      await fh.datasync();
      await input.beforePublish(tmp);
    }
    await fh.datasync();
    await fh.close();
    await rename(tmp, input.destPath);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}
