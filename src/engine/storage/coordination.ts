/**
 * How the operations on one backup storage keep out of each other's way: the storage's shared/exclusive lock
 * and the pins of operations in flight (see pins.ts for the contract with GC). One interface, two
 * implementations:
 *
 * - files in the storage's directory (`locks/`, `pins/`), judged alive by pid (file-coordination.ts): the
 *   embedded default, correct for the processes of one host;
 * - PostgreSQL (pg-coordination.ts): advisory locks and pin rows with an owner lease, correct for any number of
 *   engine nodes sharing the storage.
 *
 * Which one a storage uses follows the root it lives in, like its chunk backend (coordination-binding.ts).
 */
export interface StorageCoordination {
  /** For messages: `files` or `postgres://host/db` (never a password). */
  readonly description: string;
  /** `file` or `postgres`: what a storage records once a cluster coordinated it (see `coordinationFor`). */
  readonly kind: CoordinationKind;
  lock(storageDir: string): StorageLock;
  /** Starts the pin of one operation (a backup, a restore); `release` it when the operation ends either way. */
  pin(storageDir: string): Promise<ChunkPin>;
  /** Every pin of the storage. Call under the exclusive lock, for a view no new pin can add to. */
  scanPins(storageDir: string): Promise<PinScan>;
  /** Removes the stale pins a scan found (GC does, under the exclusive lock, after collecting). */
  removeStalePins(storageDir: string, stale: readonly string[]): Promise<void>;
  /**
   * Whether a temporary file found under the exclusive lock is a crashed writer's leftover (GC sweeps those).
   * Files: when its process is gone. PostgreSQL: always — the exclusive lock is cluster-wide, and every writer
   * of chunk and manifest files writes them under the shared lock, so no writer is at work anywhere.
   */
  tmpIsLeftover(name: string): boolean;
}

export type CoordinationKind = "file" | "postgres";

/** A hold on a storage lock, handed to the code that runs under it. */
export interface LockHold {
  /**
   * Throws `unavailable` when the lock may have been lost meanwhile (PostgreSQL: the connection holding it is
   * gone, so another node may be inside). Call right before a step whose safety rests on the lock: publishing a
   * manifest, deleting chunks.
   */
  confirm(): Promise<void>;
}

/**
 * A shared/exclusive lock over one backup storage: backups, restores and CDP base writes take it shared for
 * short steps, GC takes it exclusive. Not reentrant: never take it again inside a section.
 */
export interface StorageLock {
  shared<T>(fn: (hold: LockHold) => Promise<T>): Promise<T>;
  exclusive<T>(fn: (hold: LockHold) => Promise<T>): Promise<T>;
}

/** The chunks one operation in flight has in hand (pins.ts). */
export interface ChunkPin {
  /** Pins hashes (nulls are holes, skipped). Call under the shared lock, before relying on the chunks existing. */
  add(hashes: Iterable<string | null>): Promise<void>;
  /**
   * Throws `unavailable` when the pin may have stopped protecting its chunks (PostgreSQL: its owner's lease
   * lapsed, so a GC elsewhere may have collected them). Call under the shared lock before publishing anything
   * that references pinned chunks.
   */
  confirm(): Promise<void>;
  release(): Promise<void>;
}

export interface PinScan {
  /** Every hash a live pin names. */
  live: Set<string>;
  /** Pins of operations whose process or node is gone (ids for `removeStalePins`). */
  stale: string[];
}

/** A hold that cannot be lost: a file lock lives as long as the process holding it. */
export const HELD_FOR_LIFE: LockHold = { confirm: async () => undefined };

