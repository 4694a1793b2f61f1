import type { VolumeBackupStore } from "../storage/backup-store.js";
import type { Clock } from "./clock.js";
import { conflict } from "./errors.js";
import { newZStackUuid } from "./ids.js";
import type { Inventory, Volume } from "./inventory.js";

/** Ids of recovery-point copies in the backup store start with this, so orphans can be told apart. */
export const RECOVERY_POINT_COPY_PREFIX = "cdp-";

/** The saved state of one protected volume in a recovery point. */
export interface RecoveryPointVolume {
  volumeUuid: string;
  type: "Root" | "Data";
  deviceId: number;
  /** Virtual size of the volume in bytes. */
  size: number;
  /** Id of the copy in the backup store. */
  backupId: string;
  /** Bytes the copy occupies in the store. */
  storedSize: number;
}

/** A point a CDP task can restore to: every volume of every protected VM, as of `createDate`. */
export interface RecoveryPoint {
  uuid: string;
  taskUuid: string;
  /** Per-task sequence number, from 1, strictly increasing (ZStack's `groupId`). */
  groupId: number;
  createDate: number;
  /** Milliseconds the point took to cut. */
  latencyMs: number;
  storedSize: number;
  backupStorageUuid: string;
  vms: { vmInstanceUuid: string; volumes: RecoveryPointVolume[] }[];
}

export interface RecoveryPointDeps {
  inventory: Inventory;
  backupStore: VolumeBackupStore;
  clock: Clock;
}

/**
 * Cuts recovery point `groupId` of a task: the current bytes of every volume of the given VMs, written to the
 * backup storage directory through the backup store. This is the one place that decides what a recovery point
 * is; a journaling store replaces its body without touching callers.
 * Promises: on resolve every copy is durable; on reject the copies written so far are removed.
 */
export async function cutRecoveryPoint(
  deps: RecoveryPointDeps,
  input: {
    taskUuid: string;
    groupId: number;
    backupStorageUuid: string;
    storageDir: string;
    vmUuids: readonly string[];
    previous?: RecoveryPoint;
    readBandwidth?: number;
  },
): Promise<RecoveryPoint> {
  const started = deps.clock.now();
  const written: string[] = [];
  const previousIds = new Map(input.previous?.vms.flatMap((vm) => vm.volumes.map((v) => [v.volumeUuid, v.backupId] as const)) ?? []);
  try {
    const vms: RecoveryPoint["vms"] = [];
    for (const vmUuid of input.vmUuids) {
      const vm = deps.inventory.vms.get(vmUuid);
      if (!vm) throw conflict(`protected VM[uuid:${vmUuid}] no longer exists`);
      const volumes: RecoveryPointVolume[] = [];
      for (const vol of deps.inventory.vmVolumes(vmUuid)) {
        volumes.push(await copyVolume(deps, input, vol, previousIds.get(vol.uuid), written));
      }
      vms.push({ vmInstanceUuid: vmUuid, volumes });
    }
    return {
      uuid: newZStackUuid(),
      taskUuid: input.taskUuid,
      groupId: input.groupId,
      createDate: started,
      latencyMs: Math.max(0, deps.clock.now() - started),
      storedSize: vms.reduce((sum, vm) => sum + vm.volumes.reduce((s, v) => s + v.storedSize, 0), 0),
      backupStorageUuid: input.backupStorageUuid,
      vms,
    };
  } catch (e) {
    await Promise.all(written.map((id) => deps.backupStore.remove(input.storageDir, id).catch(() => undefined)));
    throw e;
  }
}

async function copyVolume(
  deps: RecoveryPointDeps,
  input: { storageDir: string; readBandwidth?: number },
  vol: Volume,
  parentId: string | undefined,
  written: string[],
): Promise<RecoveryPointVolume> {
  const backupId = `${RECOVERY_POINT_COPY_PREFIX}${newZStackUuid()}`;
  const info = await deps.backupStore.write({
    storageDir: input.storageDir,
    backupId,
    sourcePath: vol.installPath,
    size: vol.size,
    volumeUuid: vol.uuid,
    ...(parentId ? { parentId } : {}),
    ...(input.readBandwidth ? { readBandwidth: input.readBandwidth } : {}),
  });
  written.push(backupId);
  return { volumeUuid: vol.uuid, type: vol.type, deviceId: vol.deviceId, size: vol.size, backupId, storedSize: info.storedSize };
}

/** Removes the stored copies of a recovery point (unknown copies are not an error). */
export async function dropRecoveryPoint(backupStore: VolumeBackupStore, storageDir: string, point: RecoveryPoint): Promise<void> {
  for (const vm of point.vms) for (const v of vm.volumes) await backupStore.remove(storageDir, v.backupId);
}
