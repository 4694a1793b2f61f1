import { stat } from "node:fs/promises";
import { layout } from "../../storage/layout.js";
import type { BackupStorage, Inventory } from "../inventory.js";
import type { VolumeBackupStore } from "../../storage/backup-store.js";

/** One volume's copy inside a checkpoint item. */
export interface VolumeBackupRecord {
  /** Backup id in the store: `<item id>-<volume uuid>`. */
  backupId: string;
  volumeUuid: string;
  volumeName: string;
  bootable: boolean;
  deviceId: number;
  sourceSize: number;
  storedSize: number;
  storageUuid: string;
  storageDir: string;
  installPath: string;
  mode: "full" | "incremental";
}

/** The backup storage CSBS checkpoints go to: the inventory's first ImageStore backup storage. */
export function checkpointStorage(inventory: Inventory): BackupStorage | undefined {
  return inventory.backupStorages.all().find((b) => b.type === "ImageStoreBackupStorage" && b.state === "Enabled");
}

/**
 * Backs up every volume of the VM (root first) into the checkpoint storage, one full copy per volume. Calls
 * `onVolume` after each volume is durable, so a caller can record it before the next starts (a crash then
 * leaves only recorded copies behind). Rejects when there is no backup storage, the VM is gone or the store
 * fails; copies made before the failure are reported through `onVolume` and left for the caller to remove.
 * This is the one place that decides how a CSBS item stores data, so a chunk store can replace it.
 */
export async function backUpVmVolumes(
  inventory: Inventory,
  store: VolumeBackupStore,
  vmUuid: string,
  itemId: string,
  onVolume: (r: VolumeBackupRecord) => void,
): Promise<VolumeBackupRecord[]> {
  const storage = checkpointStorage(inventory);
  if (!storage) throw new Error("there is no enabled ImageStore backup storage to write the backup to");
  if (!inventory.vms.has(vmUuid)) throw new Error(`server ${vmUuid} no longer exists`);
  const volumes = inventory.vmVolumes(vmUuid);
  if (volumes.length === 0) throw new Error(`No volume attached to the server (${vmUuid}) for protect.`);
  const records: VolumeBackupRecord[] = [];
  const listed = await store.list(storage.url);
  for (const v of volumes) {
    const backupId = `${itemId}-${v.uuid}`;
    // The newest earlier backup of this volume is the parent: the store then reads only regions written since.
    const parentId = await newestBackupOf(storage.url, listed, v.uuid, backupId);
    const info = await store.write({ storageDir: storage.url, backupId, sourcePath: v.installPath, size: v.size, volumeUuid: v.uuid, ...(parentId ? { parentId } : {}) });
    const record: VolumeBackupRecord = {
      backupId,
      volumeUuid: v.uuid,
      volumeName: v.name,
      bootable: v.type === "Root",
      deviceId: v.deviceId,
      sourceSize: v.size,
      storedSize: info.storedSize,
      storageUuid: storage.uuid,
      storageDir: storage.url,
      installPath: info.installPath,
      mode: info.mode,
    };
    records.push(record);
    onVolume(record);
  }
  return records;
}

/** The id among `listed` of the volume's most recently written backup (ids end with `-<volumeUuid>`), if any. */
async function newestBackupOf(storageDir: string, listed: readonly string[], volumeUuid: string, except: string): Promise<string | undefined> {
  let best: { id: string; at: number } | undefined;
  for (const id of listed) {
    if (id === except || !id.endsWith(`-${volumeUuid}`)) continue;
    const at = await stat(layout.manifest(storageDir, id)).then((s) => s.mtimeMs, () => undefined);
    if (at !== undefined && (!best || at > best.at)) best = { id, at };
  }
  return best?.id;
}

/** Removes the copies; missing ones are not an error. */
export async function removeVolumeBackups(store: VolumeBackupStore, records: readonly VolumeBackupRecord[]): Promise<void> {
  for (const r of records) await store.remove(r.storageDir, r.backupId);
}
