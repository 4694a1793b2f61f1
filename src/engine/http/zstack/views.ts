import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type { AccessKey, Session } from "../../domain/accounts.js";
import type { CdpPolicy, CdpTask } from "../../domain/cdp.js";
import type {
  BackupStorage,
  Cluster,
  Host,
  InstanceOffering,
  Inventory,
  L3Network,
  PrimaryStorage,
  VmInstance,
  VmNic,
  Volume,
  Zone,
} from "../../domain/inventory.js";
import type { RecoveryPoint } from "../../domain/recovery-points.js";
import type { SchedulerJob, SchedulerTrigger } from "../../domain/schedulers.js";
import type { VolumeBackup } from "../../domain/vm-backups.js";
import type { FieldKind, QuerySchema } from "./query.js";
import type { Queryable } from "./query-eval.js";

/**
 * Domain objects as ZStack inventories, before `toWire` (timestamps still epoch ms so queries compare and sort
 * them as numbers). Each view has a QuerySchema listing exactly the fields it produces.
 */

function schema(name: string, groups: Partial<Record<FieldKind, string>>): QuerySchema {
  const fields: Record<string, FieldKind> = {};
  for (const [kind, names] of Object.entries(groups) as [FieldKind, string][]) {
    for (const n of names.split(/\s+/).filter(Boolean)) fields[n] = kind;
  }
  return { name, fields };
}

/** A stable ZStack-style uuid derived from another (ids the inventory does not store, e.g. used IPs). */
function derivedUuid(from: string, what: string): string {
  return createHash("md5").update(`${what}:${from}`).digest("hex");
}

function ipInLong(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

const STAMPS = "createDate lastOpDate";

export const zoneSchema = schema("ZoneInventory", { string: "uuid name description state type", timestamp: STAMPS });
export function zoneView(z: Zone): Queryable {
  return { uuid: z.uuid, name: z.name, description: z.description, state: z.state, type: z.type, createDate: z.createDate, lastOpDate: z.lastOpDate };
}

export const clusterSchema = schema("ClusterInventory", { string: "uuid name description state hypervisorType zoneUuid type", timestamp: STAMPS });
export function clusterView(c: Cluster): Queryable {
  return { uuid: c.uuid, name: c.name, description: "", state: "Enabled", hypervisorType: c.hypervisorType, zoneUuid: c.zoneUuid, type: "zstack", createDate: c.createDate, lastOpDate: c.lastOpDate };
}

export const hostSchema = schema("HostInventory", { string: "uuid name description zoneUuid clusterUuid managementIp hypervisorType state status", timestamp: STAMPS });
export function hostView(h: Host): Queryable {
  return {
    uuid: h.uuid,
    name: h.name,
    description: "",
    zoneUuid: h.zoneUuid,
    clusterUuid: h.clusterUuid,
    managementIp: h.managementIp,
    hypervisorType: "KVM",
    state: "Enabled",
    status: "Connected",
    createDate: h.createDate,
    lastOpDate: h.lastOpDate,
  };
}

export const primaryStorageSchema = schema("PrimaryStorageInventory", { string: "uuid name description zoneUuid url type state status", timestamp: STAMPS });
export function primaryStorageView(p: PrimaryStorage): Queryable {
  return { uuid: p.uuid, name: p.name, description: "", zoneUuid: p.zoneUuid, url: p.url, type: p.type, state: "Enabled", status: "Connected", createDate: p.createDate, lastOpDate: p.lastOpDate };
}

export const instanceOfferingSchema = schema("InstanceOfferingInventory", {
  string: "uuid name description type allocatorStrategy state",
  number: "cpuNum cpuSpeed memorySize sortKey",
  timestamp: STAMPS,
});
export function instanceOfferingView(o: InstanceOffering): Queryable {
  return {
    uuid: o.uuid,
    name: o.name,
    description: o.description,
    cpuNum: o.cpuNum,
    cpuSpeed: o.cpuSpeed,
    memorySize: o.memorySize,
    type: o.type,
    allocatorStrategy: o.allocatorStrategy,
    sortKey: 0,
    state: o.state,
    createDate: o.createDate,
    lastOpDate: o.lastOpDate,
  };
}

export const l3NetworkSchema = schema("L3NetworkInventory", {
  string: "uuid name description type zoneUuid l2NetworkUuid state category",
  boolean: "system",
  number: "ipVersion",
  list: "ipRanges",
  timestamp: STAMPS,
});
export function l3NetworkView(l: L3Network): Queryable {
  const [a, b, c] = l.cidr.split("/")[0]!.split(".");
  return {
    uuid: l.uuid,
    name: l.name,
    description: l.description,
    type: l.type,
    zoneUuid: l.zoneUuid,
    l2NetworkUuid: l.l2NetworkUuid,
    state: l.state,
    system: l.system,
    category: l.category,
    ipVersion: l.ipVersion,
    ipRanges: [
      {
        uuid: derivedUuid(l.uuid, "ip-range"),
        l3NetworkUuid: l.uuid,
        name: `${l.name}-range`,
        startIp: `${a}.${b}.${c}.10`,
        endIp: `${a}.${b}.${c}.254`,
        netmask: "255.255.255.0",
        gateway: l.gateway,
        networkCidr: l.cidr,
        ipVersion: 4,
        createDate: l.createDate,
        lastOpDate: l.lastOpDate,
      },
    ],
    createDate: l.createDate,
    lastOpDate: l.lastOpDate,
  };
}

export const backupStorageSchema = schema("BackupStorageInventory", {
  string: "uuid name description url hostname type state status",
  number: "totalCapacity availableCapacity",
  list: "attachedZoneUuids",
  timestamp: STAMPS,
});
export function backupStorageView(b: BackupStorage): Queryable {
  return {
    uuid: b.uuid,
    name: b.name,
    description: b.description,
    url: b.url,
    hostname: b.hostname,
    type: b.type,
    state: b.state,
    status: b.status,
    totalCapacity: b.totalCapacity,
    availableCapacity: b.totalCapacity,
    attachedZoneUuids: b.attachedZoneUuids,
    createDate: b.createDate,
    lastOpDate: b.lastOpDate,
  };
}

export const volumeSchema = schema("VolumeInventory", {
  string: "uuid name description primaryStorageUuid vmInstanceUuid diskOfferingUuid rootImageUuid installPath type format state status lastVmInstanceUuid",
  number: "size actualSize deviceId",
  boolean: "isShareable",
  timestamp: `${STAMPS} lastDetachDate`,
});
export function volumeView(v: Volume): Queryable {
  return {
    uuid: v.uuid,
    name: v.name,
    description: v.description,
    primaryStorageUuid: v.primaryStorageUuid,
    vmInstanceUuid: v.vmInstanceUuid,
    diskOfferingUuid: v.type === "Data" ? derivedUuid(String(v.size), "disk-offering") : null,
    rootImageUuid: v.rootImageUuid,
    installPath: v.installPath,
    type: v.type,
    format: v.format,
    size: v.size,
    actualSize: allocatedBytes(v.installPath),
    deviceId: v.deviceId,
    state: v.state,
    status: v.status,
    isShareable: v.isShareable,
    lastVmInstanceUuid: v.vmInstanceUuid,
    createDate: v.createDate,
    lastOpDate: v.lastOpDate,
  };
}

function allocatedBytes(path: string): number {
  try {
    return statSync(path).blocks * 512;
  } catch {
    return 0;
  }
}

function nicView(n: VmNic): Queryable {
  const usedIpUuid = derivedUuid(n.uuid, "used-ip");
  return {
    uuid: n.uuid,
    vmInstanceUuid: n.vmInstanceUuid,
    usedIpUuid,
    l3NetworkUuid: n.l3NetworkUuid,
    ip: n.ip,
    mac: n.mac,
    hypervisorType: "KVM",
    netmask: n.netmask,
    gateway: n.gateway,
    metaData: "",
    ipVersion: 4,
    driverType: "virtio",
    internalName: `vnic${n.vmInstanceUuid.slice(0, 6)}.${n.deviceId}`,
    deviceId: n.deviceId,
    type: "VNic",
    usedIps: [
      {
        uuid: usedIpUuid,
        ipRangeUuid: derivedUuid(n.l3NetworkUuid, "ip-range"),
        l3NetworkUuid: n.l3NetworkUuid,
        ipVersion: 4,
        ip: n.ip,
        netmask: n.netmask,
        gateway: n.gateway,
        usedFor: "Application",
        ipInLong: ipInLong(n.ip),
        vmNicUuid: n.uuid,
        createDate: n.createDate,
        lastOpDate: n.lastOpDate,
      },
    ],
    createDate: n.createDate,
    lastOpDate: n.lastOpDate,
  };
}

export const vmSchema = schema("VmInstanceInventory", {
  string:
    "uuid name description zoneUuid clusterUuid imageUuid hostUuid lastHostUuid instanceOfferingUuid rootVolumeUuid platform architecture defaultL3NetworkUuid type hypervisorType allocatorStrategy state guestOsType",
  number: "memorySize cpuNum cpuSpeed",
  list: "vmNics allVolumes vmCdRoms",
  timestamp: STAMPS,
});
export function vmView(vm: VmInstance, inventory: Inventory): Queryable {
  return {
    uuid: vm.uuid,
    name: vm.name,
    description: vm.description,
    zoneUuid: vm.zoneUuid,
    clusterUuid: vm.clusterUuid,
    imageUuid: vm.imageUuid,
    hostUuid: vm.state === "Running" ? vm.hostUuid : null,
    lastHostUuid: vm.hostUuid,
    instanceOfferingUuid: vm.instanceOfferingUuid,
    rootVolumeUuid: vm.rootVolumeUuid,
    platform: vm.platform,
    architecture: vm.architecture,
    defaultL3NetworkUuid: vm.defaultL3NetworkUuid,
    type: vm.type,
    hypervisorType: vm.hypervisorType,
    memorySize: vm.memorySize,
    cpuNum: vm.cpuNum,
    cpuSpeed: vm.cpuSpeed,
    allocatorStrategy: vm.allocatorStrategy,
    state: vm.state,
    guestOsType: vm.guestOsType,
    vmNics: vm.vmNics.map(nicView),
    allVolumes: inventory.vmVolumes(vm.uuid).map(volumeView),
    vmCdRoms: [],
    createDate: vm.createDate,
    lastOpDate: vm.lastOpDate,
  };
}

export const cdpPolicySchema = schema("CdpPolicyInventory", {
  string: "uuid name description state",
  number: "retentionTimePerDay hourlyRpSinceDay dailyRpSinceDay expireTimeInDay fullBackupIntervalInDay recoveryPointPerSecond",
  timestamp: STAMPS,
});
export function cdpPolicyView(p: CdpPolicy): Queryable {
  return {
    uuid: p.uuid,
    name: p.name,
    description: p.description,
    state: p.state,
    retentionTimePerDay: p.retentionTimePerDay,
    hourlyRpSinceDay: p.hourlyRpSinceDay,
    dailyRpSinceDay: p.dailyRpSinceDay,
    expireTimeInDay: p.expireTimeInDay,
    fullBackupIntervalInDay: p.fullBackupIntervalInDay,
    recoveryPointPerSecond: p.recoveryPointPerSecond,
    createDate: p.createDate,
    lastOpDate: p.lastOpDate,
  };
}

export const cdpTaskSchema = schema("CdpTaskInventory", {
  string: "uuid name description policyUuid backupStorageUuid status state taskType",
  number: "backupBandwidth maxCapacity usedCapacity maxLatency lastLatency",
  list: "resourceRefs",
  timestamp: STAMPS,
});
export function cdpTaskView(t: CdpTask): Queryable {
  return {
    uuid: t.uuid,
    name: t.name,
    description: t.description,
    policyUuid: t.policyUuid,
    backupStorageUuid: t.backupStorageUuid,
    status: t.status,
    state: t.state,
    taskType: t.taskType,
    backupBandwidth: t.backupBandwidth,
    maxCapacity: t.maxCapacity,
    usedCapacity: t.usedCapacity,
    maxLatency: t.maxLatency,
    lastLatency: t.lastLatency,
    resourceRefs: t.resourceRefs.map((r) => ({ ...r })),
    createDate: t.createDate,
    lastOpDate: t.lastOpDate,
  };
}

export const volumeBackupSchema = schema("VolumeBackupInventory", {
  string: "uuid volumeUuid name description type state status metadata groupUuid mode vmInstanceUuid hypervisorType",
  number: "size",
  list: "backupStorageRefs",
  timestamp: STAMPS,
});
export function volumeBackupView(b: VolumeBackup): Queryable {
  return {
    uuid: b.uuid,
    volumeUuid: b.volumeUuid,
    name: b.name,
    description: b.description,
    type: b.type,
    state: b.state,
    status: b.status,
    size: b.size,
    metadata: JSON.stringify({ deviceId: b.deviceId, volumeSize: b.size, storedSize: b.storedSize, vmName: b.source.vmName }),
    // A plain volume backup belongs to no VM backup group (its group is only how the engine stores it).
    groupUuid: b.standalone ? null : b.groupUuid,
    mode: b.mode,
    vmInstanceUuid: b.vmInstanceUuid,
    hypervisorType: "KVM",
    backupStorageRefs: [
      { volumeBackupUuid: b.uuid, backupStorageUuid: b.backupStorageUuid, installPath: b.installPath, status: "Ready", createDate: b.createDate, lastOpDate: b.lastOpDate },
    ],
    createDate: b.createDate,
    lastOpDate: b.lastOpDate,
  };
}

export const schedulerJobSchema = schema("SchedulerJobInventory", {
  string: "uuid targetResourceUuid name description state jobData jobType",
  list: "triggersUuid",
  timestamp: STAMPS,
});
/** `jobData` carries the job's type and parameters as JSON, where ZStack keeps the job's serialized data. */
export function schedulerJobView(j: SchedulerJob): Queryable {
  return {
    uuid: j.uuid,
    targetResourceUuid: j.targetResourceUuid,
    name: j.name,
    description: j.description,
    state: j.state,
    jobType: j.type,
    jobData: JSON.stringify({ type: j.type, parameters: j.parameters }),
    triggersUuid: [...j.triggerUuids],
    createDate: j.createDate,
    lastOpDate: j.lastOpDate,
  };
}

export const schedulerTriggerSchema = schema("SchedulerTriggerInventory", {
  string: "uuid name description schedulerType cron",
  number: "schedulerInterval repeatCount",
  list: "jobsUuid",
  timestamp: `${STAMPS} startTime stopTime`,
});
export function schedulerTriggerView(t: SchedulerTrigger, jobUuids: readonly string[]): Queryable {
  return {
    uuid: t.uuid,
    name: t.name,
    description: t.description,
    schedulerType: t.schedulerType,
    schedulerInterval: t.schedulerInterval ?? null,
    repeatCount: t.repeatCount ?? null,
    cron: t.cron ?? null,
    startTime: t.startTime,
    stopTime: t.stopTime ?? null,
    jobsUuid: [...jobUuids],
    createDate: t.createDate,
    lastOpDate: t.lastOpDate,
  };
}

export function sessionView(s: Session): Queryable {
  return { uuid: s.uuid, accountUuid: s.accountUuid, userUuid: s.userUuid, userType: s.userType, expiredDate: s.expiredDate, createDate: s.createDate };
}

/** An AccessKey as listed (the secret is shown only when the key is created). */
export function accessKeyView(k: AccessKey, withSecret: boolean): Queryable {
  return {
    uuid: k.uuid,
    AccessKeyID: k.accessKeyId,
    ...(withSecret ? { AccessKeySecret: k.accessKeySecret } : {}),
    accountUuid: k.accountUuid,
    userUuid: k.userUuid,
    description: k.description,
    state: k.state,
    createDate: k.createDate,
    lastOpDate: k.lastOpDate,
  };
}

/** One entry of a recovery point list, in the field names of ZStack's SDK (`RecoveryPointView`). */
export interface RecoveryPointEntry {
  id: number;
  grpId: number;
  size: number;
  volId: string;
  ts: string;
  desc: string;
  /** Not in the SDK's type (its JSON mapping ignores it): the task that cut the point. */
  cdpTaskUuid: string;
}

/**
 * One value of GetVmInstanceRecoveryPoints' `recoveryPoints` map, in the shape ZStack's SDK types it (a list per
 * key): the engine keys the map by groupId and lists one entry per volume of the VM at that point, `id` being
 * the point's groupId, `size` the bytes the point stored for the volume and `ts` the cut time (RFC 3339, UTC).
 */
export function recoveryPointView(p: RecoveryPoint, vmUuid: string): RecoveryPointEntry[] {
  const vm = p.vms.find((v) => v.vmInstanceUuid === vmUuid);
  const ts = new Date(p.createDate).toISOString();
  return (vm?.volumes ?? []).map((v) => ({
    id: p.groupId,
    grpId: p.groupId,
    size: v.storedSize,
    volId: v.volumeUuid,
    ts,
    desc: `${v.type} volume, device ${v.deviceId}`,
    cdpTaskUuid: p.taskUuid,
  }));
}
