/**
 * Where volume backups live: the "storage backend" behind VM backups, CSBS checkpoints and CDP base copies.
 * The domain only talks to this interface; the implementation decides the layout on disk (a full copy per
 * backup, or deduplicated content-addressed chunks with manifests).
 */
export interface VolumeBackupStore {
  /**
   * Stores the current bytes of the volume file at `sourcePath` (`size` bytes) as backup `backupId` in backup
   * storage `storageDir`. `parentId` names the previous backup of the same volume when the caller wants an
   * incremental one; the store may ignore it. Promises: on resolve the backup is durable and complete; on
   * reject nothing of it is visible.
   */
  write(input: BackupWriteInput): Promise<StoredBackupInfo>;
  /**
   * Writes the backup's bytes into `destPath` (created or truncated to the backup's size). A store that checks
   * its data rejects (naming the backup and the damaged part) rather than write wrong bytes; `destPath` is then
   * left as it was.
   */
  restore(storageDir: string, backupId: string, destPath: string, options?: RestoreOptions): Promise<void>;
  /** Removes the backup; unknown ids are not an error. */
  remove(storageDir: string, backupId: string): Promise<void>;
  /** Lists the backup ids present in `storageDir`, for SyncVmBackup-style reconciliation. */
  list(storageDir: string): Promise<string[]>;
  /**
   * Re-reads what a backup (or, without `backupId`, every backup in `storageDir`) references and reports what is
   * missing or damaged. Optional: stores that cannot check their data leave it out.
   */
  verify?(storageDir: string, backupId?: string): Promise<VerifyReport>;
  /**
   * Removes what a crash left of backups interrupted in `storageDir` (stored data no backup references).
   * Optional: called at start, before serving.
   */
  collectInterrupted?(storageDir: string): Promise<unknown>;
}

/**
 * The four limits of CreateVmBackup, in bytes per second (undefined or 0: unlimited). A backup reads the volume
 * (`volumeReadBandwidth`) and sends new data to the backup storage (`networkWriteBandwidth`, the host's uplink);
 * a restore fetches from the backup storage (`networkReadBandwidth`) and writes the volume (`volumeWriteBandwidth`).
 */
export interface BandwidthLimits {
  volumeReadBandwidth?: number;
  volumeWriteBandwidth?: number;
  networkReadBandwidth?: number;
  networkWriteBandwidth?: number;
}

/**
 * Which parts of a volume may have changed since the backup named by `parentId`: bit `i` of `bitmap`
 * (least-significant bit first within each byte) covers bytes `[i*granularity, (i+1)*granularity)`; bits past
 * the bitmap's end are clear. Regions past the parent's size are always read.
 * Produced by a `DirtyTracker`; a clear bit is a promise that those bytes equal the parent's.
 */
export interface ChangedRegions {
  granularity: number;
  bitmap: Uint8Array;
}

export interface RestoreOptions {
  bandwidth?: BandwidthLimits;
  /** Aborts the restore (it rejects with the signal's reason and leaves `destPath` untouched). */
  signal?: AbortSignal;
}

export interface VerifyProblem {
  kind: "missing_chunk" | "corrupt_chunk" | "corrupt_manifest";
  /** The chunk hash, or the manifest path for `corrupt_manifest`. */
  item: string;
  /** Backups that reference the damaged item. */
  backupIds: string[];
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  backupsChecked: number;
  chunksChecked: number;
  bytesChecked: number;
  problems: VerifyProblem[];
}

export interface BackupWriteInput {
  storageDir: string;
  backupId: string;
  sourcePath: string;
  size: number;
  parentId?: string;
  /** Bytes per second the store may read from the source; undefined or 0 is unlimited (same as `bandwidth.volumeReadBandwidth`). */
  readBandwidth?: number;
  /**
   * The volume being backed up. A store that tracks changed regions itself (ChunkBackupStore with a
   * DirtyTracker) uses it, with `parentId`, to read only what changed since that parent.
   */
  volumeUuid?: string;
  /** CreateVmBackup's bandwidth limits; the store honours the ones that apply to a backup. */
  bandwidth?: BandwidthLimits;
  /**
   * Regions changed since `parentId` was taken. With a parent and this, a store may read only the changed
   * regions; without it (or without a parent) every byte is read.
   */
  changed?: ChangedRegions;
  /** Aborts the backup (it rejects with the signal's reason and nothing of it is visible). */
  signal?: AbortSignal;
}

export interface StoredBackupInfo {
  /**
   * Bytes the backup occupies in the store (what `size` in a VolumeBackupInventory reports); for a
   * deduplicating store, the bytes this backup newly added.
   */
  storedSize: number;
  /**
   * `incremental` when the backup reused chunks of its parent as they were (it read only the changed regions,
   * or read everything and compared hashes with the parent: ChunkBackupStore's `rehashIncrementals`); `full`
   * otherwise.
   */
  mode: "full" | "incremental";
  /** Where the backup lives, as reported in `installPath`. */
  installPath: string;
}
