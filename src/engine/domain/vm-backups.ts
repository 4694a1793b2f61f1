import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";
import type { BandwidthLimits, StoredBackupInfo, VolumeBackupStore } from "../storage/backup-store.js";
import { readdirOrEmpty, removeDurable, writeFileDurable } from "../storage/durable-file.js";
import type { Clock } from "./clock.js";
import { DomainError, invalidArgument, notFound } from "./errors.js";
import { newZStackUuid } from "./ids.js";
import { javaTimestampString } from "./java-timestamp.js";
import type { BackupStorage, Inventory, VmInstance, Volume } from "./inventory.js";
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
  /**
   * A plain volume backup (CreateVolumeBackup), not part of a VM backup: its group is itself (so the group
   * descriptor, tombstone and sync machinery serve it unchanged) and the wire shows no groupUuid.
   */
  standalone?: true;
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
    metadata: MetadataStore,
    private readonly clock: Clock,
    private readonly inventory: Inventory,
    private readonly store: VolumeBackupStore,
  ) {
    this.backups = metadata.collection("volume-backup");
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
        const began = performance.now();
        const info = await this.writeBackup(vol, bs, uuid, input, signal);
        written.push(uuid);
        // A floor for stores that do not throttle reads themselves.
        if (readBandwidth) await pace(began, info.mode === "full" ? vol.size : info.storedSize, readBandwidth, signal);
        const name = (vol.type === "Root" ? `${input.name}-${stamp}` : `${input.name}-${vol.uuid}-${stamp}`).slice(0, MAX_NAME);
        made.push(this.recordOf(vol, vm, bs, uuid, info, { name, description: input.description ?? "", groupUuid }));
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
   * Backs up one volume (CreateVolumeBackup), keeping the requested name. Incremental on the volume's latest
   * backup in that storage, whether it was taken alone or as part of a VM backup. Durable like `create`.
   */
  async createVolume(volumeUuid: string, input: NewVmBackup, signal?: AbortSignal): Promise<VolumeBackup> {
    const vol = this.inventory.volumes.get(volumeUuid);
    if (!vol) throw invalidArgument("volumeUuid", `volume[uuid:${volumeUuid}] is not found`);
    const vm = vol.vmInstanceUuid ? this.inventory.vms.get(vol.vmInstanceUuid) : undefined;
    const bs = this.requireBackupStorage(input.backupStorageUuid);
    if (input.resourceUuid && this.backups.has(input.resourceUuid)) throw invalidArgument("resourceUuid", `resource uuid ${input.resourceUuid} is already in use`);
    const uuid = input.resourceUuid ?? newZStackUuid();
    const info = await this.writeBackup(vol, bs, uuid, input, signal);
    const backup = this.recordOf(vol, vm, bs, uuid, info, { name: input.name.slice(0, MAX_NAME), description: input.description ?? "", groupUuid: uuid, standalone: true });
    try {
      signal?.throwIfAborted();
    } catch (e) {
      await this.store.remove(bs.url, uuid).catch(() => undefined);
      throw e;
    }
    this.backups.put(backup);
    await this.writeDescriptor(bs, uuid, [backup]);
    return backup;
  }

  /**
   * Deletes one plain volume backup (DeleteVolumeBackup), durably as `deleteGroup` does. An unknown uuid is not
   * an error (Permissive). A volume backup that belongs to a VM backup is refused: a VM backup goes as a whole.
   */
  async deleteVolumeBackup(uuid: string, backupStorageUuids?: readonly string[]): Promise<void> {
    const b = this.backups.get(uuid);
    if (!b) return;
    if (!b.standalone) throw new DomainError("conflict", `volume backup[uuid:${uuid}] is part of VM backup group[uuid:${b.groupUuid}]; delete the group with DeleteVmBackup`);
    await this.deleteGroup(b.groupUuid, backupStorageUuids);
  }

  /** Writes a volume backup's bytes back into its volume (RevertVolumeFromVolumeBackup), through the inventory. */
  async revertVolume(uuid: string, signal?: AbortSignal): Promise<void> {
    const b = this.backups.get(uuid);
    if (!b) throw notFound("VolumeBackup", uuid);
    await this.revertInto([b], signal);
  }

  /** One volume backup as a volume that can write its backed-up bytes into a file (admin checksums). */
  backupVolume(uuid: string): { volumeUuid: string; deviceId: number; size: number; materialize(dest: string): Promise<void> } {
    const b = this.backups.get(uuid);
    if (!b) throw notFound("VolumeBackup", uuid);
    const bs = this.requireBackupStorage(b.backupStorageUuid);
    return { volumeUuid: b.volumeUuid, deviceId: b.deviceId, size: b.size, materialize: (dest: string) => this.store.restore(bs.url, b.uuid, dest) };
  }

  /**
   * Deletes the group's backups (only those on `backupStorageUuids` when given). An unknown group is not an error
   * (ZStack's Permissive delete). Two-phase and durable: a tombstone naming the backups is fsync'd in each backup
   * storage first, then the records, the group descriptor and the data go, then the tombstone. A crash anywhere
   * in between leaves the tombstone, which `completeDeletes` (at start) finishes, and so does the same delete
   * sent again: the delete of an engine node that died half-way is finished by the retry another node answers,
   * even when the records are already gone. `sync` never lists a tombstoned backup, so a deleted backup cannot
   * come back.
   */
  async deleteGroup(groupUuid: string, backupStorageUuids?: readonly string[]): Promise<void> {
    const victims = this.group(groupUuid).filter((b) => !backupStorageUuids || backupStorageUuids.includes(b.backupStorageUuid));
    const byStorage = new Map<string, string[]>();
    for (const b of victims) byStorage.set(b.backupStorageUuid, [...(byStorage.get(b.backupStorageUuid) ?? []), b.uuid]);
    const storages: { bs: BackupStorage; ids: string[] }[] = [];
    for (const [bsUuid, ids] of byStorage) {
      const bs = this.inventory.backupStorages.get(bsUuid);
      if (!bs) continue;
      await mkdir(join(bs.url, DESCRIPTOR_DIR), { recursive: true });
      const earlier = await this.tombstoned(bs, groupUuid);
      const all = [...new Set([...earlier, ...ids])];
      await writeFileDurable(tombstonePath(bs, groupUuid), JSON.stringify({ groupUuid, backupUuids: all }));
      storages.push({ bs, ids: all });
    }
    // An interrupted delete of this group in a storage that holds none of its records any more.
    for (const bs of this.inventory.backupStorages.all()) {
      if (storages.some((s) => s.bs.uuid === bs.uuid) || (backupStorageUuids && !backupStorageUuids.includes(bs.uuid))) continue;
      if (existsSync(tombstonePath(bs, groupUuid))) storages.push({ bs, ids: await this.tombstoned(bs, groupUuid) });
    }
    for (const b of victims) this.backups.delete(b.uuid);
    for (const { bs, ids } of storages) {
      for (const id of ids) this.backups.delete(id);
      await this.finishDelete(bs, groupUuid, ids);
    }
  }

  /** Phase two of a delete in one backup storage: descriptor, data, then the tombstone. Idempotent. */
  private async finishDelete(bs: BackupStorage, groupUuid: string, ids: readonly string[]): Promise<void> {
    if (!this.group(groupUuid).some((b) => b.backupStorageUuid === bs.uuid)) await removeDurable(descriptorPath(bs, groupUuid));
    for (const id of ids) await this.store.remove(bs.url, id);
    await removeDurable(tombstonePath(bs, groupUuid));
  }

  /**
   * Finishes every delete a crash interrupted (a tombstone left in a backup storage): the records, descriptor
   * and data it names go. Call at start, before serving. Returns how many deletes it finished.
   */
  async completeDeletes(): Promise<number> {
    let finished = 0;
    for (const bs of this.inventory.backupStorages.all()) {
      for (const name of await readdirOrEmpty(join(bs.url, DESCRIPTOR_DIR))) {
        if (!name.endsWith(TOMBSTONE)) continue;
        const groupUuid = name.slice(0, -TOMBSTONE.length);
        const ids = await this.tombstoned(bs, groupUuid);
        for (const id of ids) this.backups.delete(id);
        await this.finishDelete(bs, groupUuid, ids);
        finished++;
      }
    }
    return finished;
  }

  /** The backups a tombstone names (none when it is unreadable: then only the descriptor's are deleted). */
  private async tombstoned(bs: BackupStorage, groupUuid: string): Promise<string[]> {
    const described = (await this.readDescriptor(join(bs.url, DESCRIPTOR_DIR, `${groupUuid}.json`))) ?? [];
    let named: string[] = [];
    try {
      const parsed = JSON.parse(await readFile(tombstonePath(bs, groupUuid), "utf8")) as { backupUuids?: unknown };
      if (Array.isArray(parsed.backupUuids)) named = parsed.backupUuids.filter((x): x is string => typeof x === "string");
    } catch {
      // A torn tombstone cannot exist (it is written durably by rename); an unreadable one names nothing.
    }
    return [...new Set([...named, ...described.map((b) => b.uuid)])];
  }

  /** Finishes an interrupted backup's cleanup in every backup storage (what a crash left stored). */
  async collectInterrupted(): Promise<void> {
    for (const bs of this.inventory.backupStorages.all()) await this.store.collectInterrupted?.(bs.url);
  }

  /**
   * Reconciles the records of one ImageStore with what its store holds: records whose data is gone are deleted,
   * backups described in the store but unknown here are recorded again.
   */
  async sync(backupStorageUuid: string): Promise<{ deletedBackupCount: number; newBackupCount: number }> {
    const bs = this.requireBackupStorage(backupStorageUuid);
    const present = new Set(await this.store.list(bs.url));
    for (const name of await readdirOrEmpty(join(bs.url, DESCRIPTOR_DIR))) {
      if (name.endsWith(TOMBSTONE)) for (const id of await this.tombstoned(bs, name.slice(0, -TOMBSTONE.length))) present.delete(id);
    }
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
    await this.revertInto(this.usableGroup(groupUuid, backupStorageUuid), signal);
  }

  /** Writes each backup (all in one backup storage) back into the volume it was taken of. */
  private async revertInto(backups: readonly VolumeBackup[], signal?: AbortSignal): Promise<void> {
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

  /** The record of a backup just stored: the volume's facts, where it went and how (named and grouped by `naming`). */
  private recordOf(
    vol: Volume,
    vm: VmInstance | undefined,
    bs: BackupStorage,
    uuid: string,
    info: StoredBackupInfo,
    naming: Pick<VolumeBackup, "name" | "description" | "groupUuid" | "standalone">,
  ): VolumeBackup {
    const now = this.clock.now();
    return {
      uuid,
      ...naming,
      volumeUuid: vol.uuid,
      vmInstanceUuid: vm?.uuid ?? "",
      type: vol.type,
      deviceId: vol.deviceId,
      state: "Enabled",
      status: "Ready",
      size: vol.size,
      storedSize: info.storedSize,
      mode: info.mode,
      backupStorageUuid: bs.uuid,
      installPath: info.installPath,
      source: vm ? sourceOf(vm) : { vmName: "", instanceOfferingUuid: "", l3NetworkUuids: [], defaultL3NetworkUuid: "" },
      createDate: now,
      lastOpDate: now,
    };
  }

  /** Stores the volume's bytes as backup `uuid`, incremental on its newest backup in that storage. */
  private writeBackup(vol: Volume, bs: BackupStorage, uuid: string, input: NewVmBackup, signal?: AbortSignal): Promise<StoredBackupInfo> {
    const parent = this.latestOf(vol.uuid, bs.uuid);
    const readBandwidth = input.bandwidth?.volumeReadBandwidth;
    return this.store.write({
      storageDir: bs.url,
      backupId: uuid,
      sourcePath: vol.installPath,
      size: vol.size,
      volumeUuid: vol.uuid,
      ...(parent ? { parentId: parent.uuid } : {}),
      ...(readBandwidth ? { readBandwidth } : {}),
      ...(input.bandwidth ? { bandwidth: input.bandwidth } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /** The volume's newest backup in that storage (alone or in a VM backup): the parent of its next one. */
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
    await mkdir(join(bs.url, DESCRIPTOR_DIR), { recursive: true });
    await writeFileDurable(descriptorPath(bs, groupUuid), JSON.stringify(backups));
  }

  /** The groups described in the storage, except those being deleted (a tombstone beside them). */
  private async readDescriptors(bs: BackupStorage): Promise<VolumeBackup[][]> {
    const names = await readdirOrEmpty(join(bs.url, DESCRIPTOR_DIR));
    const deleting = new Set(names.filter((n) => n.endsWith(TOMBSTONE)).map((n) => n.slice(0, -TOMBSTONE.length)));
    const groups: VolumeBackup[][] = [];
    for (const n of names.filter((n) => n.endsWith(".json") && !deleting.has(n.slice(0, -".json".length)))) {
      const group = await this.readDescriptor(join(bs.url, DESCRIPTOR_DIR, n));
      if (group) groups.push(group);
    }
    return groups;
  }

  private async readDescriptor(path: string): Promise<VolumeBackup[] | undefined> {
    try {
      const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
      return Array.isArray(parsed) ? parsed.filter(isVolumeBackup) : undefined;
    } catch {
      // A missing or unreadable descriptor describes nothing; the backups it named stay unknown.
      return undefined;
    }
  }
}

const DESCRIPTOR_DIR = "vm-backup-groups";
/** `<group>.deleting` beside `<group>.json`: a delete of the group started (see `deleteGroup`). */
const TOMBSTONE = ".deleting";

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

function tombstonePath(bs: BackupStorage, groupUuid: string): string {
  return join(bs.url, DESCRIPTOR_DIR, `${groupUuid}${TOMBSTONE}`);
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
