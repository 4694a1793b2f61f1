import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { open, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";
import { storageRoots, type StorageRoots } from "../storage/storage-roots.js";
import type { Clock } from "./clock.js";
import { DomainError, invalidArgument, notFound } from "./errors.js";
import { newZStackUuid } from "./ids.js";

/** Fields every inventory object has. Times are epoch milliseconds; each API formats them its own way. */
export interface Stamped {
  uuid: string;
  createDate: number;
  lastOpDate: number;
}

export interface Zone extends Stamped {
  name: string;
  description: string;
  state: "Enabled" | "Disabled";
  type: "zstack";
}

export interface Cluster extends Stamped {
  name: string;
  zoneUuid: string;
  hypervisorType: "KVM";
}

export interface Host extends Stamped {
  name: string;
  zoneUuid: string;
  clusterUuid: string;
  managementIp: string;
}

export interface PrimaryStorage extends Stamped {
  name: string;
  zoneUuid: string;
  type: "LocalStorage";
  /** Directory holding the volumes' sparse files. */
  url: string;
}

export interface InstanceOffering extends Stamped {
  name: string;
  description: string;
  cpuNum: number;
  cpuSpeed: number;
  memorySize: number;
  allocatorStrategy: string;
  state: "Enabled" | "Disabled";
  type: "UserVm";
}

export interface L3Network extends Stamped {
  name: string;
  description: string;
  zoneUuid: string;
  l2NetworkUuid: string;
  type: "L3BasicNetwork";
  category: "Private" | "Public";
  state: "Enabled" | "Disabled";
  system: boolean;
  ipVersion: 4;
  /** CIDR the engine hands NIC addresses out of. */
  cidr: string;
  gateway: string;
}

export interface BackupStorage extends Stamped {
  name: string;
  description: string;
  type: "ImageStoreBackupStorage";
  hostname: string;
  /** Directory of this backup storage inside the data dir. */
  url: string;
  state: "Enabled" | "Disabled";
  status: "Connected" | "Disconnected";
  totalCapacity: number;
  attachedZoneUuids: string[];
}

export interface VmNic extends Stamped {
  vmInstanceUuid: string;
  l3NetworkUuid: string;
  ip: string;
  mac: string;
  netmask: string;
  gateway: string;
  deviceId: number;
}

export interface VmInstance extends Stamped {
  name: string;
  description: string;
  zoneUuid: string;
  clusterUuid: string;
  hostUuid: string;
  imageUuid: string;
  instanceOfferingUuid: string;
  rootVolumeUuid: string;
  defaultL3NetworkUuid: string;
  platform: "Linux";
  architecture: "x86_64";
  type: "UserVm";
  hypervisorType: "KVM";
  cpuNum: number;
  cpuSpeed: number;
  memorySize: number;
  allocatorStrategy: string;
  state: "Running" | "Stopped";
  guestOsType: string;
  vmNics: VmNic[];
}

export interface Volume extends Stamped {
  name: string;
  description: string;
  primaryStorageUuid: string;
  vmInstanceUuid: string | null;
  rootImageUuid: string | null;
  installPath: string;
  type: "Root" | "Data";
  format: "raw";
  size: number;
  deviceId: number;
  state: "Enabled" | "Disabled";
  status: "Ready";
  isShareable: boolean;
}

/** Emitted after bytes of a volume changed; CDP journaling and dirty tracking listen to it. */
export interface VolumeWrite {
  volumeUuid: string;
  offset: number;
  data: Buffer;
}

/**
 * Where a volume write is applied. `writeHere` writes it on this node (durably, then tells write listeners); a
 * delivery may call it, hand the write to another node instead, or throw. `forwarded`: the write was handed to
 * this node by another one and must not be handed on.
 */
export type WriteDelivery = (volume: Volume, offset: number, data: Buffer, writeHere: () => Promise<void>, forwarded: boolean) => Promise<void>;

export interface NewVolume {
  size: number;
  type?: "Root" | "Data";
  name?: string;
  uuid?: string;
}

export interface NewVm {
  name: string;
  description?: string;
  instanceOfferingUuid: string;
  l3NetworkUuids: string[];
  defaultL3NetworkUuid?: string;
  /** Root first, then data volumes; sizes in bytes. */
  volumes: NewVolume[];
  uuid?: string;
  state?: "Running" | "Stopped";
  /**
   * Fills the new volume files (e.g. from a backup) after they are created and before any record is stored; if
   * it throws, the files are removed and no VM or volume record exists.
   */
  populate?: (volume: Volume, index: number) => Promise<void>;
}

/**
 * The lab's infrastructure: zones, clusters, hosts, storage, networks, offerings, VMs and their volumes. Volume
 * bytes live in sparse files on the primary storage directory, so backups and CDP protect real data.
 */
/** The largest volume the engine creates: ext4's file size limit, so the same on every host it runs on. */
export const MAX_VOLUME_SIZE = 16 * 1024 ** 4;

export class Inventory {
  readonly zones: Collection<Zone>;
  readonly clusters: Collection<Cluster>;
  readonly hosts: Collection<Host>;
  readonly primaryStorages: Collection<PrimaryStorage>;
  readonly instanceOfferings: Collection<InstanceOffering>;
  readonly l3Networks: Collection<L3Network>;
  readonly backupStorages: Collection<BackupStorage>;
  readonly vms: Collection<VmInstance>;
  readonly volumes: Collection<Volume>;
  private readonly writes = new EventEmitter();
  /** Volume uuids per VM, so listing thousands of VMs does not scan every volume for each one. */
  private readonly volumesByVm = new Map<string, Set<string>>();
  /** Decides where writes go (CDP journal ownership across nodes); absent: always here. */
  private delivery: WriteDelivery | undefined;

  /** Where primary storages' and backup storages' directories are created (storage-roots.ts). */
  private readonly roots: StorageRoots;

  constructor(
    store: MetadataStore,
    dataDir: string,
    private readonly clock: Clock,
    roots?: StorageRoots,
  ) {
    this.roots = roots ?? storageRoots(dataDir);
    this.zones = store.collection("zone");
    this.clusters = store.collection("cluster");
    this.hosts = store.collection("host");
    this.primaryStorages = store.collection("primary-storage");
    this.instanceOfferings = store.collection("instance-offering");
    this.l3Networks = store.collection("l3-network");
    this.backupStorages = store.collection("backup-storage");
    this.vms = store.collection("vm-instance");
    this.volumes = store.collection("volume");
    for (const v of this.volumes.all()) this.indexVolume(v);
    // Volumes another engine node created, moved or deleted (shared metadata), or a failed transaction put back.
    this.volumes.onStoreChange((uuid, next, prev) => {
      if (prev?.vmInstanceUuid) this.volumesByVm.get(prev.vmInstanceUuid)?.delete(uuid);
      if (next) this.indexVolume(next);
    });
  }

  private indexVolume(v: Volume): void {
    if (!v.vmInstanceUuid) return;
    const set = this.volumesByVm.get(v.vmInstanceUuid) ?? new Set<string>();
    set.add(v.uuid);
    this.volumesByVm.set(v.vmInstanceUuid, set);
  }

  private stamp(uuid?: string): Stamped {
    const now = this.clock.now();
    return { uuid: uuid ?? newZStackUuid(), createDate: now, lastOpDate: now };
  }

  addZone(name: string, description = ""): Zone {
    return this.zones.put({ ...this.stamp(), name, description, state: "Enabled", type: "zstack" });
  }

  addCluster(zoneUuid: string, name: string): Cluster {
    return this.clusters.put({ ...this.stamp(), name, zoneUuid, hypervisorType: "KVM" });
  }

  addHost(clusterUuid: string, name: string, managementIp: string): Host {
    const cluster = this.require(this.clusters, "Cluster", clusterUuid);
    return this.hosts.put({ ...this.stamp(), name, zoneUuid: cluster.zoneUuid, clusterUuid, managementIp });
  }

  addPrimaryStorage(zoneUuid: string, name: string): PrimaryStorage {
    const stamp = this.stamp();
    const url = join(this.roots.primary, stamp.uuid);
    mkdirSync(url, { recursive: true });
    return this.primaryStorages.put({ ...stamp, name, zoneUuid, type: "LocalStorage", url });
  }

  addInstanceOffering(name: string, cpuNum: number, memorySize: number, description = ""): InstanceOffering {
    return this.instanceOfferings.put({
      ...this.stamp(),
      name,
      description,
      cpuNum,
      cpuSpeed: 0,
      memorySize,
      allocatorStrategy: "LastHostPreferredAllocatorStrategy",
      state: "Enabled",
      type: "UserVm",
    });
  }

  addL3Network(zoneUuid: string, name: string, cidr: string, description = ""): L3Network {
    const base = cidr.split("/")[0]!.split(".").map(Number);
    const gateway = [base[0], base[1], base[2], (base[3] ?? 0) + 1].join(".");
    return this.l3Networks.put({
      ...this.stamp(),
      name,
      description,
      zoneUuid,
      l2NetworkUuid: newZStackUuid(),
      type: "L3BasicNetwork",
      category: "Private",
      state: "Enabled",
      system: false,
      ipVersion: 4,
      cidr,
      gateway,
    });
  }

  addBackupStorage(zoneUuids: string[], name: string, totalCapacity: number, description = ""): BackupStorage {
    const stamp = this.stamp();
    const url = join(this.roots.backup, stamp.uuid);
    mkdirSync(url, { recursive: true });
    return this.backupStorages.put({
      ...stamp,
      name,
      description,
      type: "ImageStoreBackupStorage",
      hostname: "127.0.0.1",
      url,
      state: "Enabled",
      status: "Connected",
      totalCapacity,
      attachedZoneUuids: zoneUuids,
    });
  }

  /**
   * Creates a VM with its volumes as sparse files (all zeros) on the zone's first primary storage, placed on
   * the zone's first host. Throws `invalid_argument` naming the field for unknown offerings or networks.
   */
  async createVm(spec: NewVm): Promise<VmInstance> {
    const offering = this.instanceOfferings.get(spec.instanceOfferingUuid);
    if (!offering) throw invalidArgument("instanceOfferingUuid", `instance offering[uuid:${spec.instanceOfferingUuid}] is not found`);
    if (spec.l3NetworkUuids.length === 0) throw invalidArgument("l3NetworkUuids", "at least one L3 network is required");
    const l3s = spec.l3NetworkUuids.map((u) => {
      const l3 = this.l3Networks.get(u);
      if (!l3) throw invalidArgument("l3NetworkUuids", `L3 network[uuid:${u}] is not found`);
      return l3;
    });
    if (spec.volumes.length === 0) throw invalidArgument("volumes", "a VM needs at least a root volume");
    if (spec.uuid && this.vms.has(spec.uuid)) throw invalidArgument("resourceUuid", `resource uuid ${spec.uuid} is already in use`);
    const zoneUuid = l3s[0]!.zoneUuid;
    const host = this.hosts.all().find((h) => h.zoneUuid === zoneUuid);
    const ps = this.primaryStorages.all().find((p) => p.zoneUuid === zoneUuid);
    if (!host || !ps) throw new DomainError("conflict", `zone[uuid:${zoneUuid}] has no host or primary storage to place a VM on`);
    const stamp = this.stamp(spec.uuid);
    for (const v of spec.volumes) {
      if (v.uuid && this.volumes.has(v.uuid)) throw invalidArgument("volumes", `volume uuid ${v.uuid} is already in use`);
    }
    const volumes: Volume[] = [];
    try {
      for (const [i, v] of spec.volumes.entries()) {
        volumes.push(await this.createVolumeFile(ps, stamp.uuid, v, i));
      }
      if (spec.populate) for (const [i, v] of volumes.entries()) await spec.populate(v, i);
    } catch (e) {
      await Promise.all(volumes.map((v) => rm(v.installPath, { force: true })));
      throw e;
    }
    const vmNics = l3s.map((l3, i) => this.makeNic(stamp.uuid, l3, i));
    const defaultL3 = spec.defaultL3NetworkUuid ?? l3s[0]!.uuid;
    for (const v of volumes) this.indexVolume(this.volumes.put(v));
    return this.vms.put({
      ...stamp,
      name: spec.name,
      description: spec.description ?? "",
      zoneUuid,
      clusterUuid: host.clusterUuid,
      hostUuid: host.uuid,
      imageUuid: newZStackUuid(),
      instanceOfferingUuid: offering.uuid,
      rootVolumeUuid: volumes[0]!.uuid,
      defaultL3NetworkUuid: defaultL3,
      platform: "Linux",
      architecture: "x86_64",
      type: "UserVm",
      hypervisorType: "KVM",
      cpuNum: offering.cpuNum,
      cpuSpeed: offering.cpuSpeed,
      memorySize: offering.memorySize,
      allocatorStrategy: offering.allocatorStrategy,
      state: spec.state ?? "Running",
      guestOsType: "Linux",
      vmNics,
    });
  }

  /** Creates an empty (sparse) data volume of `size` bytes attached to the VM as its next device. */
  async addDataVolume(vmUuid: string, spec: { size: number; name?: string; uuid?: string }): Promise<Volume> {
    const vm = this.require(this.vms, "VmInstance", vmUuid);
    if (spec.uuid && this.volumes.has(spec.uuid)) throw invalidArgument("resourceUuid", `resource uuid ${spec.uuid} is already in use`);
    const root = this.require(this.volumes, "Volume", vm.rootVolumeUuid);
    const ps = this.require(this.primaryStorages, "PrimaryStorage", root.primaryStorageUuid);
    const deviceId = Math.max(...this.vmVolumes(vmUuid).map((v) => v.deviceId)) + 1;
    const vol = this.volumes.put(await this.createVolumeFile(ps, vmUuid, { ...spec, type: "Data" }, deviceId));
    this.indexVolume(vol);
    return vol;
  }

  private async createVolumeFile(ps: PrimaryStorage, vmUuid: string, v: NewVolume, deviceId: number): Promise<Volume> {
    if (!Number.isSafeInteger(v.size) || v.size <= 0) throw invalidArgument("size", `volume size must be a positive integer, got ${v.size}`);
    if (v.size > MAX_VOLUME_SIZE) throw invalidArgument("size", `volume size must be at most 16 TiB (${MAX_VOLUME_SIZE} bytes), got ${v.size}`);
    const stamp = this.stamp(v.uuid);
    const type = v.type ?? (deviceId === 0 ? "Root" : "Data");
    const installPath = join(ps.url, `${stamp.uuid}.raw`);
    await writeFile(installPath, "");
    try {
      await truncate(installPath, v.size);
    } catch (e) {
      await rm(installPath, { force: true });
      // The primary storage's filesystem caps file sizes (ext4: 16 TiB): the caller asked for too much.
      if ((e as NodeJS.ErrnoException).code === "EFBIG") throw invalidArgument("size", `volume size ${v.size} is larger than primary storage ${ps.uuid} can hold`);
      throw e;
    }
    return {
      ...stamp,
      name: v.name ?? (type === "Root" ? `ROOT-for-${vmUuid}` : `DATA-${deviceId}-for-${vmUuid}`),
      description: "",
      primaryStorageUuid: ps.uuid,
      vmInstanceUuid: vmUuid,
      rootImageUuid: type === "Root" ? newZStackUuid() : null,
      installPath,
      type,
      format: "raw",
      size: v.size,
      deviceId,
      state: "Enabled",
      status: "Ready",
      isShareable: false,
    };
  }

  private makeNic(vmUuid: string, l3: L3Network, deviceId: number): VmNic {
    const used = new Set(this.vms.all().flatMap((vm) => vm.vmNics.filter((n) => n.l3NetworkUuid === l3.uuid).map((n) => n.ip)));
    const [a, b, c] = l3.cidr.split("/")[0]!.split(".");
    let host = 10;
    while (used.has(`${a}.${b}.${c}.${host}`) && host < 254) host++;
    const mac = `fa:${vmUuid.slice(0, 2)}:${vmUuid.slice(2, 4)}:${vmUuid.slice(4, 6)}:${vmUuid.slice(6, 8)}:${deviceId.toString(16).padStart(2, "0")}`;
    return {
      ...this.stamp(),
      vmInstanceUuid: vmUuid,
      l3NetworkUuid: l3.uuid,
      ip: `${a}.${b}.${c}.${host}`,
      mac,
      netmask: "255.255.255.0",
      gateway: l3.gateway,
      deviceId,
    };
  }

  /**
   * Deletes the VM with its volumes (records and files). Promises: afterwards neither the VM nor any of its
   * volumes is listed; an unknown VM is not an error.
   */
  async deleteVm(vmUuid: string): Promise<void> {
    if (!this.vms.has(vmUuid)) return;
    const volumes = this.vmVolumes(vmUuid);
    this.vms.delete(vmUuid);
    for (const v of volumes) this.volumes.delete(v.uuid);
    this.volumesByVm.delete(vmUuid);
    await Promise.all(volumes.map((v) => rm(v.installPath, { force: true })));
  }

  /**
   * The VM's volumes, root first then data volumes by device id. Volumes must be created through this class
   * (createVm, addDataVolume), which keeps the per-VM index this reads.
   */
  vmVolumes(vmUuid: string): Volume[] {
    const out: Volume[] = [];
    for (const uuid of this.volumesByVm.get(vmUuid) ?? []) {
      const v = this.volumes.get(uuid);
      if (v && v.vmInstanceUuid === vmUuid) out.push(v);
    }
    return out.sort((x, y) => x.deviceId - y.deviceId);
  }

  /**
   * Writes `data` at `offset` of the volume (durably: fsync), then tells write listeners — on this node, or on
   * the node the write delivery names (`deliverWritesThrough`). Resolves once the write is durable wherever it went.
   */
  async writeVolume(volumeUuid: string, offset: number, data: Buffer, opts: { forwarded?: boolean } = {}): Promise<void> {
    const vol = this.require(this.volumes, "Volume", volumeUuid);
    checkRange(vol, offset, data.length);
    const writeHere = async () => {
      const fh = await open(vol.installPath, "r+");
      try {
        await fh.write(data, 0, data.length, offset);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      this.writes.emit("write", { volumeUuid, offset, data } satisfies VolumeWrite);
    };
    if (!this.delivery) return writeHere();
    return this.delivery(vol, offset, data, writeHere, opts.forwarded ?? false);
  }

  /** Routes every later write through `delivery` (one at a time: a second call replaces the first). */
  deliverWritesThrough(delivery: WriteDelivery): void {
    this.delivery = delivery;
  }

  async readVolume(volumeUuid: string, offset: number, length: number): Promise<Buffer> {
    const vol = this.require(this.volumes, "Volume", volumeUuid);
    checkRange(vol, offset, length);
    const buf = Buffer.alloc(length);
    const fh = await open(vol.installPath, "r");
    try {
      await fh.read(buf, 0, length, offset);
    } finally {
      await fh.close();
    }
    return buf;
  }

  /**
   * Makes the volume's bytes equal to the file at `sourcePath` (same size) by writing only the `chunkSize` regions
   * that differ, each through `writeVolume`, so write listeners (dirty tracking, CDP journals) see every change.
   * Used to revert a volume from a backup in place. Not atomic: a crash leaves some regions reverted.
   */
  async copyIntoVolume(volumeUuid: string, sourcePath: string, chunkSize = 4 * 1024 * 1024): Promise<void> {
    const vol = this.require(this.volumes, "Volume", volumeUuid);
    const src = await open(sourcePath, "r");
    const dst = await open(vol.installPath, "r");
    try {
      const size = (await src.stat()).size;
      if (size !== vol.size) throw invalidArgument("size", `the source is ${size} bytes, volume[uuid:${vol.uuid}] is ${vol.size}`);
      const a = Buffer.alloc(Math.min(chunkSize, size));
      const b = Buffer.alloc(a.length);
      for (let offset = 0; offset < size; offset += a.length) {
        const n = Math.min(a.length, size - offset);
        await src.read(a, 0, n, offset);
        await dst.read(b, 0, n, offset);
        if (!a.subarray(0, n).equals(b.subarray(0, n))) await this.writeVolume(volumeUuid, offset, Buffer.from(a.subarray(0, n)));
      }
    } finally {
      await src.close();
      await dst.close();
    }
  }

  /** Subscribes to volume writes; returns the function that unsubscribes. */
  onWrite(listener: (w: VolumeWrite) => void): () => void {
    this.writes.on("write", listener);
    return () => this.writes.off("write", listener);
  }

  require<T extends Stamped>(c: Collection<T>, what: string, uuid: string): T {
    const found = c.get(uuid);
    if (!found) throw notFound(what, uuid);
    return found;
  }
}

function checkRange(vol: Volume, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument("offset", `offset must be a non-negative integer, got ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw invalidArgument("length", `length must be a non-negative integer, got ${length}`);
  if (offset + length > vol.size) {
    throw invalidArgument("offset", `range ${offset}+${length} is past the end of volume[uuid:${vol.uuid}] of ${vol.size} bytes`);
  }
}
