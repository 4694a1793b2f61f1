import { readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { StorageError } from "./errors.js";

/**
 * A process-wide table from backup roots (directories whose subdirectories are backup storages) to something an
 * engine decided for every storage under that root: where its chunks live (chunk-backends.ts), how its pins and
 * lock are coordinated (coordination.ts).
 *
 * Backup storages are opened by directory alone, from many places (backups, restores, the CDP journals the
 * domain opens, GC, verify), so such a choice cannot be threaded through every caller without changing the
 * domain; a storage finds it through the root it lives in. Several engines in one process (tests, two "nodes"
 * sharing one primary-storage directory) may bind the same root to the same thing (same `key`): they share one
 * value, disposed of when the last of them releases it. Binding a root to something else throws.
 */
export class RootBindings<T> {
  private readonly roots = new Map<string, { key: string; value: T; holders: number; dispose: (v: T) => void }>();

  /** `field` names the setting in the error thrown when `root` is already bound to another key. */
  constructor(private readonly field: string) {}

  /**
   * Binds every storage directly under `root` to the value `create()` makes, or to the value already bound there
   * under the same `key`. Returns the value and its release; the value is disposed of when its last holder
   * released it. Throws `invalid_argument` when `root` is bound under another key.
   */
  bind(root: string, key: string, create: () => T, dispose: (v: T) => void): { value: T; release: () => void } {
    const at = resolve(root);
    let entry = this.roots.get(at);
    if (entry && entry.key !== key) {
      throw new StorageError("invalid_argument", `${at} is already bound to ${entry.key}, not ${key}`, this.field);
    }
    if (!entry) {
      entry = { key, value: create(), holders: 0, dispose };
      this.roots.set(at, entry);
    }
    entry.holders++;
    const held = entry;
    let released = false;
    return {
      value: held.value,
      release: () => {
        if (released) return;
        released = true;
        if (--held.holders > 0) return;
        if (this.roots.get(at) === held) this.roots.delete(at);
        held.dispose(held.value);
      },
    };
  }

  /** The value bound to the root `storageDir` lives in, or undefined. */
  forStorage(storageDir: string): T | undefined {
    return this.roots.get(dirname(resolve(storageDir)))?.value;
  }
}

/** The backup storage directories directly under `backupRoot`, sorted (none when it does not exist). */
export async function storagesUnder(backupRoot: string): Promise<string[]> {
  const entries = await readdir(backupRoot, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((n) => join(backupRoot, n));
}
