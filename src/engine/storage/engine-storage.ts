import { join } from "node:path";
import { ChunkBackupStore, type ChunkBackupStoreOptions } from "./chunk-backup-store.js";
import { DirtyTracker } from "./dirty-tracker.js";
import { openStorageSite, type StorageSite, type StorageSiteOptions } from "./storage-site.js";
import type { StorageRoots } from "./storage-roots.js";

/** The shape of `Inventory.onWrite` (kept structural: storage does not import the domain). */
export type OnVolumeWrite = (listener: (w: { volumeUuid: string; offset: number; data: Buffer }) => void) => () => void;

export interface EngineStorage {
  /** The `VolumeBackupStore` for `EngineContext.backupStore`: chunked, deduplicated, incremental by `volumeUuid`. */
  readonly backupStore: ChunkBackupStore;
  /**
   * The dirty tracker fed by this process's volume writes; absent when several engines share the storage
   * (`metadata`): a node sees only the writes that reached it, so incrementals compare hashes instead.
   */
  readonly tracker: DirtyTracker | undefined;
  /** Where primary storages and backup storages are created (give `roots` to the Inventory). */
  readonly roots: StorageRoots;
  readonly site: StorageSite;
  /** Unsubscribes from writes, records a clean shutdown of the tracker and unbinds the storage. Register with `ctx.onClose`. */
  close(): Promise<void>;
}

export interface OpenEngineStorageOptions extends StorageSiteOptions {
  onWrite: OnVolumeWrite;
  store?: Omit<ChunkBackupStoreOptions, "tracker" | "rehashIncrementals">;
}

/**
 * Wires the storage library into an engine (storage-site.ts: where the chunks live, how pins and locks are
 * coordinated, every existing backup storage checked to agree). Embedded (no `metadata`): a dirty tracker
 * persisted under `<dataDir>/dirty`, fed by every volume write, makes backups naming their volume incremental;
 * writes are tracked from the moment this resolves. Scale-out (`metadata`): no tracker, incrementals read the
 * volume whole and store only the chunks that differ from the parent (`rehashIncrementals`). Throws
 * `invalid_argument` (field `chunks` or `metadata`) when a storage does not fit or a store cannot be reached.
 */
export async function openEngineStorage(opts: OpenEngineStorageOptions): Promise<EngineStorage> {
  const site = await openStorageSite(opts);
  try {
    const chunkSize = opts.store?.chunkSize;
    const shared = site.coordination.kind === "postgres";
    const tracker = shared ? undefined : await DirtyTracker.open(join(opts.dataDir, "dirty"), chunkSize ? { granularity: chunkSize } : {});
    const unsubscribe = tracker ? opts.onWrite((w) => tracker.markWrite(w.volumeUuid, w.offset, w.data.length)) : () => undefined;
    const backupStore = new ChunkBackupStore({ ...opts.store, ...(tracker ? { tracker } : { rehashIncrementals: true }) });
    return {
      backupStore,
      tracker,
      roots: site.roots,
      site,
      async close() {
        unsubscribe();
        await tracker?.close();
        await site.release();
      },
    };
  } catch (e) {
    await site.release();
    throw e;
  }
}
