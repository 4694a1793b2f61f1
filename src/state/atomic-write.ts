import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { handOverLock } from "./record-lock.js";

/**
 * Replaces `path` with `data` so that a crash at any point leaves either the old file or the new one, never a
 * mix: write a temp file in the same directory, fsync it, rename it over `path`, fsync the directory (so the
 * rename itself is durable). The file keeps the mode of the file it replaces, else gets `mode` (0600: states
 * hold secrets in clear). When this process holds Terraform's record lock on `path` (./record-lock.ts), the lock
 * moves to the new file before the rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const existingMode = await stat(path).then(
    (s) => s.mode & 0o777,
    () => undefined,
  );
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  // read-write: the handle may become the one a held record lock reads through
  const fh = await open(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, existingMode ?? mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const handover = await handOverLock(path, fh).catch(async (e: unknown) => {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  });
  if (!handover) await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await handover?.rollback();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await handover?.commit();
  await fsyncDir(dir);
}

/** Makes directory entry changes (create, rename, unlink) in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Removes temp files `writeFileAtomic` left beside `path` (`.<name>.tmp-<pid>-<rand>`, for `path` and for files
 * named after it such as the journal) when their writer no longer runs: what a SIGKILL between create and rename
 * leaves. Files of live writers are kept. Returns how many were removed.
 */
export async function sweepDeadTemps(path: string): Promise<number> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (!name.startsWith(prefix) || !m) continue;
    if (processAlive(Number(m[1]))) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed++;
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
