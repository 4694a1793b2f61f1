import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { sweepDeadTemps, writeFileAtomic } from "../atomic-write.js";
import { formatLockError, LockError, readLockInfo, tryLockFile, unlockFile, type LockInfo } from "../lock.js";
import { readHeld, releaseRecordLock, takeRecordLock } from "../record-lock.js";
import { BackendConfigError, DEFAULT_WORKSPACE, type Backend, type BackendFactory, type StateStorage } from "./backend.js";

/**
 * Terraform's `local` backend: the default workspace's state at `path` (default `terraform.tfstate`), every other
 * workspace at `<workspace_dir>/<NAME>/terraform.tfstate` (default `terraform.tfstate.d`), relative paths taken
 * from the configuration directory as Terraform takes them from its working directory. Locks are the
 * `.terraform.tfstate.lock.info` file beside the state and, as Terraform takes it, a record lock on the state file
 * itself (../record-lock.ts), so each tool waits for the other.
 */

export const DEFAULT_STATE_FILE = "terraform.tfstate";
export const DEFAULT_WORKSPACE_DIR = "terraform.tfstate.d";
export const BACKUP_SUFFIX = ".backup";

/** One local state file. The first write of its life keeps the file it first read as `<path>.backup`. */
export class LocalFileStorage implements StateStorage {
  /**
   * The file as first read, for the backup: its bytes as read (no string: a 100 MB state decoded once more and
   * held as text, on the V8 heap, for the whole run), dropped once the backup is written.
   */
  private prior: { bytes: Uint8Array | undefined } | undefined;
  private backupWritten = false;
  private swept = false;

  constructor(readonly path: string) {}

  async read(): Promise<Uint8Array | undefined> {
    let data: Buffer | undefined;
    try {
      // while this process holds the record lock, a second descriptor's close would drop it: read through it
      data = (await readHeld(this.path)) ?? (await readFile(this.path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (data?.length === 0) data = undefined; // the empty file a lock creates, here or in Terraform: no state yet
    if (!this.prior) this.prior = { bytes: data };
    return data;
  }

  async write(data: Uint8Array): Promise<void> {
    // Also under -lock=false (the usual way past the lock a killed run left): only dead writers' temps go.
    if (!this.swept) await this.sweep();
    if (!this.prior) await this.read();
    if (!this.backupWritten && this.prior?.bytes !== undefined) {
      await writeFileAtomic(this.path + BACKUP_SUFFIX, this.prior.bytes);
      this.backupWritten = true;
      this.prior = { bytes: undefined };
    }
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, data);
  }

  async lock(info: LockInfo): Promise<string> {
    await mkdir(dirname(this.path), { recursive: true });
    await tryLockFile(this.path, { ...info, Path: this.path });
    if ((await takeRecordLock(this.path, info.ID).catch(async (e: unknown) => {
      await unlockFile(this.path, info.ID);
      throw e;
    })) === "held_elsewhere") {
      // Terraform holds its lock and is about to write (or has written over ours) its Lock Info
      await unlockFile(this.path, info.ID);
      const holder = await readLockInfo(this.path);
      throw new LockError("held", formatLockError("resource temporarily unavailable", holder), holder);
    }
    // A killed run may have left a temp file of the state, its backup or its journal: gone once we hold the lock.
    await this.sweep();
    return info.ID;
  }

  /** Removes temp files of writers that no longer run (see sweepDeadTemps), once per storage. */
  private async sweep(): Promise<void> {
    this.swept = true;
    await sweepDeadTemps(this.path);
  }

  async unlock(id: string): Promise<void> {
    await unlockFile(this.path, id);
    await releaseRecordLock(this.path, id);
  }

  lockHolder(): Promise<LockInfo | undefined> {
    return readLockInfo(this.path);
  }
}

export interface LocalBackendSettings {
  path: string;
  workspaceDir: string;
}

export class LocalBackend implements Backend {
  readonly type = "local";

  constructor(readonly settings: LocalBackendSettings) {}

  /** The state file of a workspace. */
  statePath(workspace: string): string {
    return workspace === DEFAULT_WORKSPACE ? this.settings.path : join(this.settings.workspaceDir, workspace, DEFAULT_STATE_FILE);
  }

  /** The journal lives beside the state file, as it always has. */
  journalPath(workspace: string): string {
    return this.statePath(workspace) + ".journal";
  }

  async workspaces(): Promise<string[]> {
    let names: string[] = [];
    try {
      const entries = await readdir(this.settings.workspaceDir, { withFileTypes: true });
      names = entries.filter((e) => e.isDirectory() && e.name !== DEFAULT_WORKSPACE).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    return [DEFAULT_WORKSPACE, ...names.sort()];
  }

  state(workspace: string): StateStorage {
    return new LocalFileStorage(this.statePath(workspace));
  }

  async deleteWorkspace(workspace: string): Promise<void> {
    if (workspace === DEFAULT_WORKSPACE) throw new Error('The "default" workspace cannot be deleted.');
    await rm(join(this.settings.workspaceDir, workspace), { recursive: true, force: true });
  }

  describe(workspace: string): string {
    return this.statePath(workspace);
  }

  async close(): Promise<void> {}
}

/**
 * `backend "local"`: `path` and `workspace_dir`, relative to `dir` (the configuration directory). `dir` is bound
 * by the registry's caller; the factory signature stays the shared `BackendFactory`.
 */
export function localBackendFactory(dir: string): BackendFactory {
  return (settings) => {
    for (const k of Object.keys(settings)) {
      if (k !== "path" && k !== "workspace_dir") throw new BackendConfigError(k, `An argument named "${k}" is not expected here: the local backend takes path and workspace_dir.`);
    }
    const str = (k: string, dflt: string): string => {
      const v = settings[k];
      if (v === undefined || v === null) return dflt;
      if (typeof v !== "string" || v === "") throw new BackendConfigError(k, `${k} must be a non-empty string.`);
      return v;
    };
    return new LocalBackend({ path: resolve(dir, str("path", DEFAULT_STATE_FILE)), workspaceDir: resolve(dir, str("workspace_dir", DEFAULT_WORKSPACE_DIR)) });
  };
}

/** The local backend with no block at all: `terraform.tfstate` in `dir`, as Terraform's implied default. */
export function createLocalBackend(dir: string, settings: Readonly<Record<string, unknown>> = {}): LocalBackend {
  return localBackendFactory(dir)(settings, process.env) as LocalBackend;
}
