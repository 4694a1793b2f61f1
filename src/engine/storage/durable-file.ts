import { randomBytes } from "node:crypto";
import { open, readFile, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Suffix of every temporary file the storage layer writes. Names are `<final>.tmp-<pid>-<random>` so that a
 * sweeper can tell a live writer's file (its pid is alive) from a crashed writer's leftover.
 */
const TMP_MARK = ".tmp-";

/** A fresh temporary name beside `finalPath`, unique per process and call. */
export function tmpPathFor(finalPath: string): string {
  return `${finalPath}${TMP_MARK}${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** The pid that wrote a temporary file, or undefined when `name` is not a temporary name. */
export function tmpOwnerPid(name: string): number | undefined {
  const at = name.lastIndexOf(TMP_MARK);
  if (at < 0) return undefined;
  const pid = Number.parseInt(name.slice(at + TMP_MARK.length), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this pid exists on this host (EPERM counts as alive: it exists, we may not signal it). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** fsyncs a directory so that renames and unlinks inside it survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `path` so that after a crash the file is either absent/old or complete: temp file, fsync,
 * rename, then (unless `syncDir` is false, for callers that batch directory syncs) fsync of the directory.
 */
export async function writeFileDurable(path: string, data: Uint8Array | string, syncDir = true): Promise<void> {
  const tmp = tmpPathFor(path);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (syncDir) await fsyncDir(dirname(path));
}

/** Removes `path` (absent is fine) and fsyncs its directory so the removal is durable. */
export async function removeDurable(path: string): Promise<boolean> {
  try {
    await rm(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  await fsyncDir(dirname(path));
  return true;
}

/** Whether a temporary file was left by a process of this host that no longer runs. */
export function tmpOfDeadProcess(name: string): boolean {
  const pid = tmpOwnerPid(name);
  return pid !== undefined && !pidAlive(pid);
}

/**
 * Deletes the temporary files in `dir` that `isLeftover` says nobody is writing any more (by default: those of
 * processes of this host that no longer run). Returns how many it removed.
 */
export async function sweepStaleTmp(dir: string, isLeftover: (name: string) => boolean = tmpOfDeadProcess): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  let removed = 0;
  for (const name of names) {
    if (tmpOwnerPid(name) !== undefined && isLeftover(name)) {
      await rm(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/** Lists a directory, treating a missing one as empty. */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}


/** Reads a file, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
