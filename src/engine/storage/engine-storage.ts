import { join } from "node:path";
import { ChunkBackupStore, type ChunkBackupStoreOptions } from "./chunk-backup-store.js";
import { DirtyTracker } from "./dirty-tracker.js";

/** The shape of `Inventory.onWrite` (kept structural: storage does not import the domain). */
export type OnVolumeWrite = (listener: (w: { volumeUuid: string; offset: number; data: Buffer }) => void) => () => void;

export interface EngineStorage {
  /** The `VolumeBackupStore` for `EngineContext.backupStore`: chunked, deduplicated, incremental by `volumeUuid`. */
  readonly backupStore: ChunkBackupStore;
  readonly tracker: DirtyTracker;
  /** Unsubscribes from writes and records a clean shutdown of the tracker. Register with `ctx.onClose`. */
  close(): Promise<void>;
}

/**
 * Wires the storage library into an engine: a dirty tracker persisted under `<dataDir>/dirty`, fed by every
 * volume write, and a `ChunkBackupStore` that uses it. Writes are tracked from the moment this resolves.
 */
export async function openEngineStorage(opts: { dataDir: string; onWrite: OnVolumeWrite; store?: Omit<ChunkBackupStoreOptions, "tracker"> }): Promise<EngineStorage> {
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
    },
  };
}
