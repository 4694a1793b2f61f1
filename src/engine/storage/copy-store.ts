import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BackupWriteInput, StoredBackupInfo, VolumeBackupStore } from "./backup-store.js";

/**
 * The simplest correct store: one full copy of the volume per backup, written to a temp name and renamed into
 * place so a crash never leaves a half-written backup visible. `copyFile` keeps holes on filesystems that
 * support reflinks/sparse copy where Node can; it is the baseline the chunk store is measured against.
 */
export class CopyBackupStore implements VolumeBackupStore {
  async write(input: BackupWriteInput): Promise<StoredBackupInfo> {
    const dir = join(input.storageDir, "volume-backups");
    await mkdir(dir, { recursive: true });
    const final = join(dir, `${input.backupId}.raw`);
    const tmp = `${final}.tmp-${process.pid}`;
    await copyFile(input.sourcePath, tmp);
    await rename(tmp, final);
    const st = await stat(final);
    return { storedSize: st.blocks * 512, mode: "full", installPath: final };
  }

  async restore(storageDir: string, backupId: string, destPath: string): Promise<void> {
    const tmp = `${destPath}.tmp-${process.pid}`;
    await copyFile(join(storageDir, "volume-backups", `${backupId}.raw`), tmp);
    await rename(tmp, destPath);
  }

  async remove(storageDir: string, backupId: string): Promise<void> {
    await rm(join(storageDir, "volume-backups", `${backupId}.raw`), { force: true });
  }

  async list(storageDir: string): Promise<string[]> {
    try {
      const names = await readdir(join(storageDir, "volume-backups"));
      return names.filter((n) => n.endsWith(".raw")).map((n) => n.slice(0, -".raw".length));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }
}
