import { constants, existsSync } from "node:fs";
import { open, unlink, type FileHandle } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";

/**
 * Terraform's own lock on a local state file: an exclusive POSIX record lock (fcntl F_SETLK) over the whole file,
 * held by the process for the whole run. backplan takes the same lock beside its `.lock.info` file, so a Terraform
 * run waits for backplan as backplan waits for Terraform.
 *
 * POSIX record locks belong to the process and are dropped when the process closes *any* descriptor of the file,
 * so while a lock is held every read of that file in this process goes through the one held handle
 * (`readHeld`), and an atomic replace moves the lock onto the new file before the rename (`moveHeld`).
 *
 * Node has no fcntl: the lock comes from `os-lock` (an optional native dependency). Where it is missing, backplan
 * still takes its `.lock.info` lock, and only the Terraform-waits-for-backplan direction is lost.
 */

interface OsLock {
  lock(fd: number, options: { exclusive?: boolean; immediate?: boolean }): Promise<void>;
}

let osLock: OsLock | null | undefined;

function loadOsLock(): OsLock | null {
  if (osLock === undefined) {
    try {
      osLock = createRequire(import.meta.url)("os-lock") as OsLock;
    } catch {
      osLock = null;
    }
  }
  return osLock;
}

/** Whether record locks can be taken here (the optional native module loaded). */
export function recordLocksAvailable(): boolean {
  return loadOsLock() !== null;
}

/**
 * Held locks of this process, by absolute path, each with the lock id (`.lock.info` ID) that took it and whether
 * taking it created the file.
 */
const held = new Map<string, { handle: FileHandle; owner: string; created: boolean }>();

export type RecordLockResult = "taken" | "held_elsewhere" | "unavailable";

/**
 * Takes the record lock on `path` for `owner`, creating the file empty if it does not exist (as Terraform does).
 * `held_elsewhere`: another process holds it. A lock this process already holds is handed to the new owner (a
 * force-unlock followed by a new lock in the same process).
 */
export async function takeRecordLock(path: string, owner: string): Promise<RecordLockResult> {
  const lib = loadOsLock();
  if (!lib) return "unavailable";
  const key = resolve(path);
  const mine = held.get(key);
  if (mine) {
    mine.owner = owner;
    return "taken";
  }
  const created = !existsSync(key);
  const handle = await open(key, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    await lib.lock(handle.fd, { exclusive: true, immediate: true });
  } catch (e) {
    await handle.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EAGAIN" || code === "EACCES") return "held_elsewhere";
    throw e;
  }
  held.set(key, { handle, owner, created });
  return "taken";
}

/**
 * Releases the lock `owner` took on `path` (closing its handle); a lock handed to another owner is kept. A file
 * the lock created and nothing wrote is removed, as Terraform removes it.
 */
export async function releaseRecordLock(path: string, owner: string): Promise<void> {
  const key = resolve(path);
  const mine = held.get(key);
  if (!mine || mine.owner !== owner) return;
  held.delete(key);
  const empty = mine.created && (await mine.handle.stat()).size === 0;
  if (empty) await unlink(key).catch(() => undefined);
  await mine.handle.close();
}

/** The file's bytes read through the held handle, or `undefined` when this process holds no lock on `path`. */
export async function readHeld(path: string): Promise<Buffer | undefined> {
  const mine = held.get(resolve(path));
  if (!mine) return undefined;
  const { size } = await mine.handle.stat();
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await mine.handle.read(buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

/** What an atomic replace does with the lock once its rename has succeeded or failed. */
export interface LockHandover {
  /** The rename happened: release the replaced file's lock. */
  commit(): Promise<void>;
  /** The rename failed: the lock stays on the old file. */
  rollback(): Promise<void>;
}

/**
 * Called by an atomic replace of `path` with the new file's handle, before the rename: locks the new file, so
 * there is no moment when the path names an unlocked file. `undefined` when this process holds no lock on
 * `path` (the caller then owns and closes the handle as usual); otherwise the handle belongs to the lock.
 */
export async function handOverLock(path: string, next: FileHandle): Promise<LockHandover | undefined> {
  const mine = held.get(resolve(path));
  const lib = loadOsLock();
  if (!mine || !lib) return undefined;
  await lib.lock(next.fd, { exclusive: true, immediate: true });
  const old = mine.handle;
  mine.handle = next;
  return {
    // locks are per file: closing the replaced file's handle leaves the new file's lock in place
    commit: () => old.close(),
    rollback: async () => {
      mine.handle = old;
      await next.close();
    },
  };
}
