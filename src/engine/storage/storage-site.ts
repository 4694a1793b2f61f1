import { checkBackupRoot } from "./chunk-backends.js";
import type { StorageCoordination } from "./coordination.js";
import { bindCoordination, checkCoordinationRoot } from "./coordination-binding.js";
import { fileCoordination } from "./file-coordination.js";
import type { ObjectStoreBinding } from "./object-store-binding.js";
import { parseObjectStoreUrl } from "./object-store-url.js";
import type { PgCoordinationOptions } from "./pg-coordination.js";
import { backupRoots, storageRoots, type StorageRoots } from "./storage-roots.js";

export interface StorageSiteOptions {
  dataDir: string;
  /** `--primary-storage DIR`: volumes and backup storages in DIR, which every node sees (storage-roots.ts). */
  primaryStorage?: string;
  /** `--chunks s3://BUCKET/PREFIX?endpoint=...`: chunks in that bucket (object-store-url.ts). */
  chunks?: string;
  /**
   * `postgres://...` (the engine's `--metadata`): coordinate the pins and locks of every backup storage in that
   * database (pg-coordination.ts), so that any number of engine nodes may share them. Absent: files.
   */
  metadata?: string;
  /** Settings of the PostgreSQL coordination (the pin lease). */
  coordination?: PgCoordinationOptions;
}

/** Where one engine process keeps the storage it serves, bound for as long as it runs. */
export interface StorageSite {
  readonly roots: StorageRoots;
  /** Every backup root bound (where new backup storages go, and `<data dir>/backup`). */
  readonly backupRoots: readonly string[];
  readonly coordination: StorageCoordination;
  /** Unbinds the roots; the bucket's client and the database's connections close with their last user. */
  release(): Promise<void>;
}

/**
 * Binds the backup roots of an engine to where their chunks live (`chunks`) and how they are coordinated
 * (`metadata`), and checks every existing backup storage agrees before anything reads it: its recorded chunk
 * location (chunk-backends.ts) and its recorded coordination (a storage PostgreSQL-coordinated engines share is
 * refused to an engine coordinated by files). Throws `invalid_argument` naming the storage, the setting and the
 * fix (field `chunks` or `metadata`) when one does not, or a bucket or database cannot be reached.
 */
export async function openStorageSite(opts: StorageSiteOptions): Promise<StorageSite> {
  const roots = storageRoots(opts.dataDir, opts.primaryStorage);
  const bound = backupRoots(opts.dataDir, opts.primaryStorage);
  const releases: (() => Promise<void> | void)[] = [];
  const release = async () => {
    for (const r of releases.splice(0).reverse()) await r();
  };
  try {
    const chunks = await openChunkLocation(bound, opts.chunks);
    if (chunks) releases.push(() => chunks.release());
    const coordination = opts.metadata !== undefined ? await bindPgCoordination(bound, opts.metadata, opts.coordination ?? {}, releases) : fileCoordination;
    for (const root of bound) await checkCoordinationRoot(root, coordination);
    return { roots, backupRoots: bound, coordination, release };
  } catch (e) {
    await release();
    throw e;
  }
}

/**
 * Where the backup storages under `roots` keep their chunks, for this process: with `chunks` (an s3:// URL) the
 * roots are bound to that bucket (released by the returned binding), without it they stay local. Either way every
 * existing storage is checked to agree (chunk-backends.ts `checkBackupRoot`) before anything reads it.
 */
async function openChunkLocation(roots: readonly string[], chunks: string | undefined): Promise<ObjectStoreBinding | undefined> {
  const target = chunks !== undefined ? parseObjectStoreUrl(chunks) : undefined;
  // Loaded only with --chunks: an embedded engine never loads the AWS SDK.
  const binding = target ? await (await import("./object-store-binding.js")).openObjectStore(roots, target, chunks!) : undefined;
  try {
    for (const root of roots) await checkBackupRoot(root, target);
  } catch (e) {
    binding?.release();
    throw e;
  }
  return binding;
}

/** Binds the roots to the PostgreSQL coordination of `url` (loaded only then: an embedded engine never loads pg). */
async function bindPgCoordination(
  roots: readonly string[],
  url: string,
  opts: PgCoordinationOptions,
  releases: (() => Promise<void> | void)[],
): Promise<StorageCoordination> {
  const { PgCoordination, describePgUrl } = await import("./pg-coordination.js");
  const bound = bindCoordination(
    roots,
    describePgUrl(url),
    () => PgCoordination.open(url, opts),
    (c) => c.close(),
  );
  releases.push(bound.release);
  return bound.coordination;
}
