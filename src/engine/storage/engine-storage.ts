import { join } from "node:path";
import { checkBackupRoot } from "./chunk-backends.js";
import { ChunkBackupStore, type ChunkBackupStoreOptions } from "./chunk-backup-store.js";
import { DirtyTracker } from "./dirty-tracker.js";
import type { ObjectStoreBinding } from "./object-store-binding.js";
import { parseObjectStoreUrl } from "./object-store-url.js";

/** The shape of `Inventory.onWrite` (kept structural: storage does not import the domain). */
export type OnVolumeWrite = (listener: (w: { volumeUuid: string; offset: number; data: Buffer }) => void) => () => void;

export interface EngineStorage {
  /** The `VolumeBackupStore` for `EngineContext.backupStore`: chunked, deduplicated, incremental by `volumeUuid`. */
  readonly backupStore: ChunkBackupStore;
  readonly tracker: DirtyTracker;
  /** Unsubscribes from writes and records a clean shutdown of the tracker. Register with `ctx.onClose`. */
  close(): Promise<void>;
}

export interface OpenEngineStorageOptions {
  dataDir: string;
  onWrite: OnVolumeWrite;
  store?: Omit<ChunkBackupStoreOptions, "tracker">;
  /**
   * `s3://BUCKET/PREFIX?endpoint=...` (object-store-url.ts): keep every backup storage's chunks in that bucket
   * instead of `<storage>/chunks`. Absent: local chunks, exactly as before.
   */
  chunks?: string;
}

/**
 * Wires the storage library into an engine: a dirty tracker persisted under `<dataDir>/dirty`, fed by every
 * volume write, and a `ChunkBackupStore` that uses it. Writes are tracked from the moment this resolves.
 * With `chunks`, the data dir's backup root is bound to that object store (chunk-backends.ts) once the bucket
 * answered; either way every existing backup storage is checked to keep its chunks where this engine will
 * look for them. Throws `invalid_argument` (field `chunks`) when it does not, or the bucket cannot be reached.
 */
export async function openEngineStorage(opts: OpenEngineStorageOptions): Promise<EngineStorage> {
  const binding = await openChunkLocation(opts.dataDir, opts.chunks);
  try {
    const chunkSize = opts.store?.chunkSize;
    const tracker = await DirtyTracker.open(join(opts.dataDir, "dirty"), chunkSize ? { granularity: chunkSize } : {});
    const unsubscribe = opts.onWrite((w) => tracker.markWrite(w.volumeUuid, w.offset, w.data.length));
    const backupStore = new ChunkBackupStore({ ...opts.store, tracker });
    return {
      backupStore,
      tracker,
      async close() {
        unsubscribe();
        await tracker.close();
        binding?.release();
      },
    };
  } catch (e) {
    binding?.release();
    throw e;
  }
}

/**
 * Where the backup storages of `dataDir` keep their chunks, for this process: with `chunks` (an s3:// URL) the
 * backup root is bound to that bucket (released by the returned binding), without it they stay local. Either
 * way every existing storage is checked to agree (chunk-backends.ts `checkBackupRoot`) before anything reads it.
 */
export async function openChunkLocation(dataDir: string, chunks: string | undefined): Promise<ObjectStoreBinding | undefined> {
  const root = join(dataDir, "backup");
  const target = chunks !== undefined ? parseObjectStoreUrl(chunks) : undefined;
  // Loaded only with --chunks: an embedded engine never loads the AWS SDK.
  const binding = target ? await (await import("./object-store-binding.js")).openObjectStore(root, target, chunks!) : undefined;
  try {
    await checkBackupRoot(root, target);
  } catch (e) {
    binding?.release();
    throw e;
  }
  return binding;
}
