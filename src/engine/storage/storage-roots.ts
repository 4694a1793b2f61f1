import { join, resolve } from "node:path";

/**
 * Where an engine creates what lives on disk outside `engine.db`: volume files (one directory per primary
 * storage) and backup storages (one directory per backup storage: manifests, VM-backup groups, CDP journals,
 * chunk-location record, and — coordinated by files — pins and locks).
 *
 * Embedded default: both inside the data dir, `<data dir>/primary` and `<data dir>/backup`, as always.
 * With `--primary-storage DIR`: both in DIR, the directory every node sees at the same path (ZStack's shared
 * mount point primary storage): volumes in `DIR/<primary storage uuid>/` and backup storages in
 * `DIR/backup/<backup storage uuid>/`, so a backup, manifest or journal written by one node is read by the next.
 */
export interface StorageRoots {
  /** Parent of each primary storage's directory. */
  readonly primary: string;
  /** Parent of each backup storage's directory. */
  readonly backup: string;
}

export function storageRoots(dataDir: string, primaryStorage?: string): StorageRoots {
  if (primaryStorage === undefined) return { primary: join(resolve(dataDir), "primary"), backup: join(resolve(dataDir), "backup") };
  const shared = resolve(primaryStorage);
  return { primary: shared, backup: join(shared, "backup") };
}

/**
 * Every root whose backup storages an engine may serve: where it creates new ones and `<data dir>/backup`, where
 * storages created before `--primary-storage` was given still are (their paths are recorded in the metadata).
 */
export function backupRoots(dataDir: string, primaryStorage?: string): string[] {
  return [...new Set([storageRoots(dataDir, primaryStorage).backup, storageRoots(dataDir).backup])];
}
