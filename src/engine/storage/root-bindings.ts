import { readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { StorageError } from "./errors.js";

/**
 * A process-wide table from backup roots (directories whose subdirectories are backup storages) to something an
 * engine decided for every storage under them: where its chunks live (chunk-backends.ts), how its pins and lock
 * are coordinated (coordination-binding.ts).
 *
 * Backup storages are opened by directory alone, from many places (backups, restores, the CDP journals the
 * domain opens, GC, verify), so such a choice cannot be threaded through every caller without changing the
 * domain; a storage finds it through the root it lives in. One value, named by a `key` (a bucket and prefix, a
 * database), serves every root it is bound to. Several engines in one process (tests, two "nodes" sharing one
 * primary-storage directory) that bind the same key share its value, disposed of when the last of them releases
 * it; binding a root to another key than the one it has throws.
 */
export class RootBindings<T> {
  private readonly values = new Map<string, { value: T; holders: number; dispose: (v: T) => void | Promise<void> }>();
  /** Root → the key of its value, with how many bindings hold it. */
  private readonly roots = new Map<string, { key: string; holders: number }>();

  /** `field` names the setting in the error thrown when a root is already bound to another key. */
  constructor(private readonly field: string) {}

  /**
   * Binds every storage directly under each of `roots` to the value of `key`: the one bound already, or else the
   * one `create()` makes. Returns the value and its release; the value is disposed of when its last holder
   * released it (that release resolves when it is done). Throws `invalid_argument` when a root is bound to
   * another key (nothing is bound then).
   */
  bind(roots: readonly string[], key: string, create: () => T, dispose: (v: T) => void | Promise<void>): { value: T; release: () => Promise<void> } {
    const at = [...new Set(roots.map((r) => resolve(r)))];
    for (const r of at) {
      const other = this.roots.get(r);
      if (other && other.key !== key) throw new StorageError("invalid_argument", `${r} is already bound to ${other.key}, not ${key}`, this.field);
    }
    let entry = this.values.get(key);
    if (!entry) {
      entry = { value: create(), holders: 0, dispose };
      this.values.set(key, entry);
    }
    entry.holders++;
    for (const r of at) {
      const root = this.roots.get(r) ?? { key, holders: 0 };
      root.holders++;
      this.roots.set(r, root);
    }
    const held = entry;
    let released = false;
    return {
      value: held.value,
      release: async () => {
        if (released) return;
        released = true;
        for (const r of at) {
          const root = this.roots.get(r);
          if (root && --root.holders === 0) this.roots.delete(r);
        }
        if (--held.holders > 0) return;
        if (this.values.get(key) === held) this.values.delete(key);
        await held.dispose(held.value);
      },
    };
  }

  /** The value bound to the root `storageDir` lives in, or undefined. */
  forStorage(storageDir: string): T | undefined {
    const root = this.roots.get(dirname(resolve(storageDir)));
    return root && this.values.get(root.key)?.value;
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
