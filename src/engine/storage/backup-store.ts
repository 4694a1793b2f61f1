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
  /** Writes the backup's bytes into `destPath` (created or truncated to the backup's size). */
  restore(storageDir: string, backupId: string, destPath: string): Promise<void>;
  /** Removes the backup; unknown ids are not an error. */
  remove(storageDir: string, backupId: string): Promise<void>;
  /** Lists the backup ids present in `storageDir`, for SyncVmBackup-style reconciliation. */
  list(storageDir: string): Promise<string[]>;
}

export interface BackupWriteInput {
  storageDir: string;
  backupId: string;
  sourcePath: string;
  size: number;
  parentId?: string;
  /** Bytes per second the store may read from the source; undefined or 0 is unlimited. */
  readBandwidth?: number;
}

export interface StoredBackupInfo {
  /** Bytes the backup occupies in the store (what `size` in a VolumeBackupInventory reports). */
  storedSize: number;
  /** `full` when every byte was read, `incremental` when only changed regions were. */
  mode: "full" | "incremental";
  /** Where the backup lives, as reported in `installPath`. */
  installPath: string;
}
