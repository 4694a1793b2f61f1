import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Db } from "../store/db.js";
import { Collection } from "../store/collection.js";
import type { BandwidthLimits, VolumeBackupStore } from "../storage/backup-store.js";
import type { Clock } from "./clock.js";
import { DomainError, invalidArgument, notFound } from "./errors.js";
import { newZStackUuid } from "./ids.js";
import { javaTimestampString } from "./java-timestamp.js";
import type { BackupStorage, Inventory, VmInstance } from "./inventory.js";
import { createVmFromImages, type RestoreTarget } from "./vm-restore.js";

/** One volume's backup inside a VM backup group (ZStack's VolumeBackupInventory). Its data id is its uuid. */
export interface VolumeBackup {
  uuid: string;
  name: string;
  description: string;
  volumeUuid: string;
  vmInstanceUuid: string;
  groupUuid: string;
  type: "Root" | "Data";
  deviceId: number;
  state: "Enabled" | "Disabled";
  status: "Ready";
  /** Virtual size of the backed-up volume in bytes. */
  size: number;
  /** Bytes the backup occupies in the backup storage. */
  storedSize: number;
  mode: "full" | "incremental";
  backupStorageUuid: string;
  installPath: string;
  /** What a restore needs when the source VM is gone: its offering and networks. */
  source: { vmName: string; instanceOfferingUuid: string; l3NetworkUuids: string[]; defaultL3NetworkUuid: string };
  createDate: number;
  lastOpDate: number;
}

export interface NewVmBackup {
  backupStorageUuid: string;
  name: string;
  description?: string;
  /** Becomes the uuid of the root volume's backup. */
  resourceUuid?: string;
  /** CreateVmBackup's limits in bytes per second, handed to the backup store. */
  bandwidth?: BandwidthLimits;
}

/** ZStack's limit on resource names; rewritten backup names are cut to it. */
const MAX_NAME = 255;

/**
 * VM backups: one backup per volume of a VM, tied by a groupUuid, with their data in the backup store. Every
 * group also has a small JSON descriptor in its ImageStore directory, which is how SyncVmBackup rediscovers
 * backups the metadata database does not know.
 */
export class VmBackups {
  readonly backups: Collection<VolumeBackup>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly inventory: Inventory,
    private readonly store: VolumeBackupStore,
  ) {
    this.backups = new Collection(db, "volume-backup");
  }

  /** The group's backups, root first. */
  group(groupUuid: string): VolumeBackup[] {
    return this.backups
      .all()
      .filter((b) => b.groupUuid === groupUuid)
      .sort((a, b) => a.deviceId - b.deviceId);
  }

  /**
   * Backs up every volume of the VM owning `rootVolumeUuid`. Names are rewritten as ZStack does:
   * `<name>-<timestamp>` for the root volume, `<name>-<volumeUuid>-<timestamp>` for data volumes.
   * Promises: either every backup of the group is stored and recorded, or none is (data written so far is
   * removed); records are written only after all data is durable.
   */
  async create(rootVolumeUuid: string, input: NewVmBackup, signal?: AbortSignal): Promise<VolumeBackup[]> {
    const root = this.inventory.volumes.get(rootVolumeUuid);
    if (!root) throw invalidArgument("rootVolumeUuid", `volume[uuid:${rootVolumeUuid}] is not found`);
    if (root.type !== "Root") throw invalidArgument("rootVolumeUuid", `volume[uuid:${rootVolumeUuid}] is a ${root.type} volume, not a root volume`);
    const vm = root.vmInstanceUuid ? this.inventory.vms.get(root.vmInstanceUuid) : undefined;
    if (!vm) throw invalidArgument("rootVolumeUuid", `No VM found for volume[uuid:${rootVolumeUuid}]`);
    const bs = this.requireBackupStorage(input.backupStorageUuid);
    if (input.resourceUuid && this.backups.has(input.resourceUuid)) throw invalidArgument("resourceUuid", `resource uuid ${input.resourceUuid} is already in use`);
    const groupUuid = newZStackUuid();
    const started = this.clock.now();
    const stamp = javaTimestampString(started);
    const volumes = this.inventory.vmVolumes(vm.uuid);
    const readBandwidth = input.bandwidth?.volumeReadBandwidth;
    const made: VolumeBackup[] = [];
    const written: string[] = [];
    try {
      for (const vol of volumes) {
        signal?.throwIfAborted();
        const uuid = vol.uuid === root.uuid && input.resourceUuid ? input.resourceUuid : newZStackUuid();
        const parent = this.latestOf(vol.uuid, bs.uuid);
        const began = performance.now();
        const info = await this.store.write({
          storageDir: bs.url,
          backupId: uuid,
          sourcePath: vol.installPath,
          size: vol.size,
          volumeUuid: vol.uuid,
          ...(parent ? { parentId: parent.uuid } : {}),
          ...(readBandwidth ? { readBandwidth } : {}),
          ...(input.bandwidth ? { bandwidth: input.bandwidth } : {}),
        });
        written.push(uuid);
        // A floor for stores that do not throttle reads themselves.
        if (readBandwidth) await pace(began, info.mode === "full" ? vol.size : info.storedSize, readBandwidth, signal);
        const now = this.clock.now();
        made.push({
          uuid,
          name: (vol.type === "Root" ? `${input.name}-${stamp}` : `${input.name}-${vol.uuid}-${stamp}`).slice(0, MAX_NAME),
          description: input.description ?? "",
          volumeUuid: vol.uuid,
          vmInstanceUuid: vm.uuid,
          groupUuid,
          type: vol.type,
          deviceId: vol.deviceId,
          state: "Enabled",
          status: "Ready",
          size: vol.size,
          storedSize: info.storedSize,
          mode: info.mode,
          backupStorageUuid: bs.uuid,
          installPath: info.installPath,
          source: sourceOf(vm),
          createDate: now,
          lastOpDate: now,
        });
      }
      signal?.throwIfAborted();
    } catch (e) {
      await Promise.all(written.map((id) => this.store.remove(bs.url, id).catch(() => undefined)));
      throw e;
    }
    for (const b of made) this.backups.put(b);
    await this.writeDescriptor(bs, groupUuid, made);
    return made;
  }

  /**
   * Deletes the group's backups (only those on `backupStorageUuids` when given). An unknown group is not an error
   * (ZStack's Permissive delete).
   */
  async deleteGroup(groupUuid: string, backupStorageUuids?: readonly string[]): Promise<void> {
    const victims = this.group(groupUuid).filter((b) => !backupStorageUuids || backupStorageUuids.includes(b.backupStorageUuid));
    // Unlisted first, data second: a crash in between leaves unlisted data (swept at the next start), never a
    // listed backup whose data is gone.
    for (const b of victims) this.backups.delete(b.uuid);
    for (const bsUuid of new Set(victims.map((b) => b.backupStorageUuid))) {
      const bs = this.inventory.backupStorages.get(bsUuid);
      if (bs && !this.group(groupUuid).some((b) => b.backupStorageUuid === bsUuid)) await rm(descriptorPath(bs, groupUuid), { force: true });
    }
    for (const b of victims) {
      const bs = this.inventory.backupStorages.get(b.backupStorageUuid);
      if (bs) await this.store.remove(bs.url, b.uuid);
    }
  }

  /**
   * Reconciles the records of one ImageStore with what its store holds: records whose data is gone are deleted,
   * backups described in the store but unknown here are recorded again.
   */
  async sync(backupStorageUuid: string): Promise<{ deletedBackupCount: number; newBackupCount: number }> {
    const bs = this.requireBackupStorage(backupStorageUuid);
    const present = new Set(await this.store.list(bs.url));
    let deletedBackupCount = 0;
    for (const b of this.backups.all()) {
      if (b.backupStorageUuid === bs.uuid && !present.has(b.uuid)) {
        this.backups.delete(b.uuid);
        deletedBackupCount++;
      }
    }
    let newBackupCount = 0;
    for (const described of await this.readDescriptors(bs)) {
      for (const b of described) {
        if (this.backups.has(b.uuid) || !present.has(b.uuid)) continue;
        this.backups.put({ ...b, backupStorageUuid: bs.uuid });
        newBackupCount++;
      }
    }
    return { deletedBackupCount, newBackupCount };
  }

  /**
   * Removes VM-backup data no record and no group descriptor names: what a backup or delete interrupted by a
   * crash left. Call at start, before serving (no backup may be running). Returns how many were removed.
   */
  async sweepOrphans(): Promise<number> {
    let removed = 0;
    for (const bs of this.inventory.backupStorages.all()) {
      const described = new Set((await this.readDescriptors(bs)).flatMap((g) => g.map((b) => b.uuid)));
      for (const id of await this.store.list(bs.url)) {
        if (!VM_BACKUP_ID.test(id) || this.backups.has(id) || described.has(id)) continue;
        await this.store.remove(bs.url, id);
        removed++;
      }
    }
    return removed;
  }

  /** Creates a new VM from the group's backups (on `backupStorageUuid`, or wherever the group lives). */
  async createVm(groupUuid: string, target: RestoreTarget & { backupStorageUuid?: string }, signal?: AbortSignal): Promise<VmInstance> {
    const backups = this.usableGroup(groupUuid, target.backupStorageUuid);
    const bs = this.requireBackupStorage(backups[0]!.backupStorageUuid);
    return createVmFromImages(
      this.inventory,
      target,
      backups.map((b) => ({ type: b.type, size: b.size, restoreInto: (dest) => this.store.restore(bs.url, b.uuid, dest) })),
      backups[0]!.source,
      signal,
    );
  }

  /** The group's volumes, each able to write its backed-up bytes into a file (admin checksums). */
  groupVolumes(groupUuid: string): { volumeUuid: string; deviceId: number; size: number; materialize(dest: string): Promise<void> }[] {
    const backups = this.usableGroup(groupUuid);
    const bs = this.requireBackupStorage(backups[0]!.backupStorageUuid);
    return backups.map((b) => ({ volumeUuid: b.volumeUuid, deviceId: b.deviceId, size: b.size, materialize: (dest: string) => this.store.restore(bs.url, b.uuid, dest) }));
  }

  /**
   * Writes the group's bytes back into the VM's existing volumes, region by region through the inventory (so
   * dirty tracking and CDP journals see the changes).
   */
  async revertVm(groupUuid: string, backupStorageUuid?: string, signal?: AbortSignal): Promise<void> {
    const backups = this.usableGroup(groupUuid, backupStorageUuid);
    const bs = this.requireBackupStorage(backups[0]!.backupStorageUuid);
    const targets = backups.map((b) => {
      const vol = this.inventory.volumes.get(b.volumeUuid);
      if (!vol) throw new DomainError("conflict", `volume[uuid:${b.volumeUuid}] of the backup no longer exists; use CreateVmFromVmBackup`);
      if (vol.size !== b.size) throw new DomainError("conflict", `volume[uuid:${vol.uuid}] is ${vol.size} bytes now, the backup is ${b.size}`);
      return { backup: b, path: vol.installPath };
    });
    for (const t of targets) {
      signal?.throwIfAborted();
      const tmp = `${t.path}.revert-${process.pid}`;
      try {
        await this.store.restore(bs.url, t.backup.uuid, tmp);
        await this.inventory.copyIntoVolume(t.backup.volumeUuid, tmp);
      } finally {
        await rm(tmp, { force: true });
      }
    }
  }

  private usableGroup(groupUuid: string, backupStorageUuid?: string): VolumeBackup[] {
    const all = this.group(groupUuid);
    if (all.length === 0) throw notFound("VmBackup group", groupUuid);
    const bsUuid = backupStorageUuid ?? all[0]!.backupStorageUuid;
    const backups = all.filter((b) => b.backupStorageUuid === bsUuid);
    if (backups.length === 0) throw invalidArgument("backupStorageUuid", `VM backup group[uuid:${groupUuid}] has no backup on backup storage[uuid:${bsUuid}]`);
    return backups;
  }

  private latestOf(volumeUuid: string, bsUuid: string): VolumeBackup | undefined {
    let latest: VolumeBackup | undefined;
    for (const b of this.backups.all()) {
      if (b.volumeUuid === volumeUuid && b.backupStorageUuid === bsUuid && (!latest || b.createDate >= latest.createDate)) latest = b;
    }
    return latest;
  }

  private requireBackupStorage(uuid: string): BackupStorage {
    const bs = this.inventory.backupStorages.get(uuid);
    if (!bs) throw invalidArgument("backupStorageUuid", `backup storage[uuid:${uuid}] is not found`);
    if (bs.type !== "ImageStoreBackupStorage") throw invalidArgument("backupStorageUuid", `backup storage[uuid:${uuid}] is not an ImageStore`);
    return bs;
  }

  private async writeDescriptor(bs: BackupStorage, groupUuid: string, backups: VolumeBackup[]): Promise<void> {
    const path = descriptorPath(bs, groupUuid);
    await mkdir(join(bs.url, DESCRIPTOR_DIR), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(backups));
    await rename(`${path}.tmp`, path);
  }

  private async readDescriptors(bs: BackupStorage): Promise<VolumeBackup[][]> {
    let names: string[];
    try {
      names = await readdir(join(bs.url, DESCRIPTOR_DIR));
    } catch {
      return [];
    }
    const groups: VolumeBackup[][] = [];
    for (const n of names.filter((n) => n.endsWith(".json"))) {
      try {
        const parsed: unknown = JSON.parse(await readFile(join(bs.url, DESCRIPTOR_DIR, n), "utf8"));
        if (Array.isArray(parsed)) groups.push(parsed.filter(isVolumeBackup));
      } catch {
        // An unreadable descriptor describes nothing; the backups it named stay unknown.
      }
    }
    return groups;
  }
}

const DESCRIPTOR_DIR = "vm-backup-groups";

/** VM backups are stored under their uuid; CSBS copies (`<item>-<volume>`) and others never match. */
const VM_BACKUP_ID = /^[0-9a-f]{32}$/;

/**
 * Honours a read bandwidth limit at volume granularity: a backup that read `bytes` takes at least
 * `bytes / bytesPerSecond` seconds of wall time. Rejects with the signal's reason when aborted.
 */
async function pace(beganMs: number, bytes: number, bytesPerSecond: number, signal?: AbortSignal): Promise<void> {
  const remaining = (bytes / bytesPerSecond) * 1000 - (performance.now() - beganMs);
  if (remaining > 0) await delay(remaining, undefined, signal ? { signal } : undefined);
}

function descriptorPath(bs: BackupStorage, groupUuid: string): string {
  return join(bs.url, DESCRIPTOR_DIR, `${groupUuid}.json`);
}

function sourceOf(vm: VmInstance): VolumeBackup["source"] {
  return {
    vmName: vm.name,
    instanceOfferingUuid: vm.instanceOfferingUuid,
    l3NetworkUuids: vm.vmNics.map((n) => n.l3NetworkUuid),
    defaultL3NetworkUuid: vm.defaultL3NetworkUuid,
  };
}

function isVolumeBackup(x: unknown): x is VolumeBackup {
  if (x === null || typeof x !== "object") return false;
  const b = x as Partial<VolumeBackup>;
  return typeof b.uuid === "string" && typeof b.groupUuid === "string" && typeof b.volumeUuid === "string" && typeof b.size === "number" && (b.type === "Root" || b.type === "Data");
}
