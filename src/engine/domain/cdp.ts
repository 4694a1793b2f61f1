import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { Cluster } from "../cluster/cluster.js";
import { EmbeddedCluster } from "../cluster/embedded-cluster.js";
import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";
import type { VolumeBackupStore } from "../storage/backup-store.js";
import type { CdpJournalOptions } from "../storage/cdp-journal.js";
import { layout } from "../storage/layout.js";
import type { Clock } from "./clock.js";
import { CdpJournaling } from "./cdp-journaling.js";
import { CdpOwnership } from "./cdp-ownership.js";
import { CdpScheduler } from "./cdp-scheduler.js";
import { conflict, invalidArgument, notFound } from "./errors.js";
import { newZStackUuid } from "./ids.js";
import type { Inventory, VmInstance, Volume } from "./inventory.js";
import { RECOVERY_POINT_COPY_PREFIX, type RecoveryPoint } from "./recovery-points.js";
import { createVmFromImages, type RestoreTarget } from "./vm-restore.js";

/** The task uuids this engine makes and accepts (a journal's directory is named by one). */
const TASK_UUID = /^[0-9a-f]{32}$/;

export interface CdpPolicy {
  uuid: string;
  name: string;
  description: string;
  state: "Enabled" | "Disabled";
  retentionTimePerDay: number;
  hourlyRpSinceDay: number;
  dailyRpSinceDay: number;
  expireTimeInDay: number;
  fullBackupIntervalInDay: number;
  /** Seconds between two recovery points of a running task. */
  recoveryPointPerSecond: number;
  createDate: number;
  lastOpDate: number;
}

/**
 * Runtime status of a task. The engine moves it as documented in docs/engine.md: Created (just made) → Starting
 * (journal base copy being taken) → Running; DataMerging while the oldest journal is merged into the base to stay
 * under maxCapacity; Stopped when disabled; Failed when journaling or cutting a point failed. `Unknown` exists in
 * ZStack's enum and is accepted in queries, but this engine never sets it.
 */
export type CdpTaskStatus = "Created" | "Starting" | "Running" | "Stopped" | "Unknown" | "Failed" | "DataMerging";
export type CdpTaskState = "Enabled" | "Disabled";

export interface CdpTaskResourceRef {
  taskUuid: string;
  resourceUuid: string;
  resourceType: "VmInstanceVO";
  createDate: number;
  lastOpDate: number;
}

export interface CdpTask {
  uuid: string;
  name: string;
  description: string;
  policyUuid: string;
  backupStorageUuid: string;
  /** As the client gave it: ZStack declares no allowed values (vendor examples use `VM`, `Volume`, `incremental`). */
  taskType: string;
  status: CdpTaskStatus;
  state: CdpTaskState;
  backupBandwidth: number;
  maxCapacity: number;
  usedCapacity: number;
  maxLatency: number;
  lastLatency: number;
  resourceRefs: CdpTaskResourceRef[];
  /** Highest groupId ever cut (points may have been pruned since). */
  lastGroupId: number;
  /** Why the task is Failed, when it is. */
  lastError?: string;
  createDate: number;
  lastOpDate: number;
}

export interface NewCdpPolicy {
  name: string;
  description?: string;
  retentionTimePerDay?: number;
  hourlyRpSinceDay?: number;
  dailyRpSinceDay?: number;
  expireTimeInDay?: number;
  fullBackupIntervalInDay?: number;
  recoveryPointPerSecond: number;
  resourceUuid?: string;
}

export type CdpPolicyChanges = Partial<Omit<NewCdpPolicy, "resourceUuid">>;

export interface NewCdpTask {
  name: string;
  description?: string;
  taskType: string;
  policyUuid: string;
  backupStorageUuid: string;
  resourceUuids: string[];
  backupBandwidth?: number;
  maxCapacity?: number;
  maxLatency?: number;
  resourceUuid?: string;
}

export interface CdpTaskChanges {
  name?: string;
  description?: string;
  backupBandwidth?: number;
  maxCapacity?: number;
  maxLatency?: number;
}

export interface CdpDeps {
  store: MetadataStore;
  clock: Clock;
  inventory: Inventory;
  backupStore: VolumeBackupStore;
  /** Options of the tasks' CDP journals (tests make segments small). */
  journal?: CdpJournalOptions;
  /** The nodes sharing this engine's metadata; absent: the embedded engine's cluster of one. */
  cluster?: Cluster;
  /** Brings the tasks up to date with what other nodes wrote (the ownership loop calls it); absent: nothing to do. */
  refresh?: () => Promise<void>;
}

/** The shortest interval between two recovery points of a task. */
export const MIN_PERIOD_MS = 1000;

/** Default maxLatency of a task (ms), as ZStack's CreateCdpTask has it. */
export const DEFAULT_MAX_LATENCY_MS = 600_000;

/**
 * CDP policies and tasks, and the recovery points the tasks cut. Methods validate their input (throwing
 * DomainErrors naming the wire field) and return the stored object.
 */
export class Cdp {
  readonly policies: Collection<CdpPolicy>;
  readonly tasks: Collection<CdpTask>;
  readonly points: Collection<RecoveryPoint>;
  private readonly pointsByTask = new Map<string, RecoveryPoint[]>();
  private readonly scheduler: CdpScheduler;
  /** Every write to a volume of a running task goes into the task's journal; recovery points are cut there. */
  private readonly journaling: CdpJournaling;
  /** Which node journals each task (one at a time); writes reaching another node are forwarded there. */
  private readonly ownership: CdpOwnership;

  constructor(private readonly deps: CdpDeps) {
    this.policies = deps.store.collection("cdp-policy");
    this.tasks = deps.store.collection("cdp-task");
    this.points = deps.store.collection("cdp-recovery-point");
    for (const p of this.points.all()) this.index(p);
    // Points another engine node cut or removed (shared metadata), or a failed transaction put back, reach the index.
    this.points.onStoreChange((_uuid, next, prev) => {
      if (prev) this.unindex(prev);
      if (next) this.index(next);
    });
    this.journaling = new CdpJournaling(deps.inventory, deps.clock, (taskUuid, e) => this.markFailed(taskUuid, e), {
      ...deps.journal,
      now: deps.journal?.now ?? (() => deps.clock.now()),
    });
    const cluster = deps.cluster ?? new EmbeddedCluster();
    this.ownership = new CdpOwnership(
      cluster,
      {
        journalingTaskOf: (volume) => this.journalingTaskOf(volume),
        journals: (taskUuid) => journals(this.tasks.get(taskUuid)),
        taskUuids: () => this.tasks.all().map((t) => t.uuid),
        adopt: (taskUuid) => this.scheduler.startIfIdle(taskUuid),
        drop: async (taskUuid) => {
          await this.scheduler.stop(taskUuid);
          await this.journaling.release(taskUuid);
        },
      },
      deps.refresh ?? (async () => undefined),
    );
    this.scheduler = new CdpScheduler(deps, this, this.journaling, this.ownership);
    if (cluster.shared) deps.inventory.deliverWritesThrough(this.ownership.deliver);
  }

  /** Resumes every enabled task (after a start or restart of the engine; each run takes the task's journal lease first). */
  resume(): void {
    for (const t of this.tasks.all()) if (journals(t)) this.scheduler.start(t.uuid, 0);
    this.ownership.start();
  }

  /** The journaling task protecting the volume's VM, if any. */
  private journalingTaskOf(volume: Volume): CdpTask | undefined {
    if (!volume.vmInstanceUuid) return undefined;
    const task = this.taskProtecting(volume.vmInstanceUuid);
    return journals(task) ? task : undefined;
  }

  /**
   * A forwarded volume write arrived (cluster-routes): applied here if this node owns the journal, else
   * NotJournalOwner.
   */
  writeForwarded(volumeUuid: string, offset: number, data: Buffer): Promise<void> {
    return this.deps.inventory.writeVolume(volumeUuid, offset, data, { forwarded: true });
  }

  /**
   * Removes the full-volume recovery-point copies engines before the CDP journal wrote into the backup stores
   * (points now live in journals). Returns how many copies were removed.
   */
  async sweepOrphanCopies(): Promise<number> {
    let removed = 0;
    for (const bs of this.deps.inventory.backupStorages.all()) {
      for (const id of await this.deps.backupStore.list(bs.url)) {
        if (id.startsWith(RECOVERY_POINT_COPY_PREFIX)) {
          await this.deps.backupStore.remove(bs.url, id);
          removed++;
        }
      }
    }
    return removed;
  }

  /** Stops the schedules, waiting for recovery points being cut, then closes the journals (appends durable). */
  async close(): Promise<void> {
    await this.ownership.close();
    await this.scheduler.close();
    await this.journaling.close();
  }

  /** Failed with the reason; its writes stop being journaled (enabling it again resynchronizes the journal). */
  markFailed(taskUuid: string, e: unknown): void {
    const task = this.tasks.get(taskUuid);
    if (!task) return;
    this.tasks.put({ ...task, status: "Failed", lastError: e instanceof Error ? e.message : String(e) });
    void this.journaling.release(taskUuid).catch(() => undefined);
  }

  // ---- policies

  createPolicy(input: NewCdpPolicy): CdpPolicy {
    if (input.resourceUuid && this.policies.has(input.resourceUuid)) throw invalidArgument("resourceUuid", `resource uuid ${input.resourceUuid} is already in use`);
    const now = this.deps.clock.now();
    return this.policies.put({
      uuid: input.resourceUuid ?? newZStackUuid(),
      name: input.name,
      description: input.description ?? "",
      state: "Enabled",
      retentionTimePerDay: input.retentionTimePerDay ?? 7,
      hourlyRpSinceDay: input.hourlyRpSinceDay ?? 1,
      dailyRpSinceDay: input.dailyRpSinceDay ?? 0,
      expireTimeInDay: input.expireTimeInDay ?? 0,
      fullBackupIntervalInDay: input.fullBackupIntervalInDay ?? 1,
      recoveryPointPerSecond: input.recoveryPointPerSecond,
      createDate: now,
      lastOpDate: now,
    });
  }

  updatePolicy(uuid: string, changes: CdpPolicyChanges): CdpPolicy {
    const policy = this.policies.get(uuid);
    if (!policy) throw notFound("CdpPolicy", uuid);
    const updated = this.policies.put({ ...policy, ...defined(changes), lastOpDate: this.deps.clock.now() });
    if (changes.recoveryPointPerSecond !== undefined) {
      for (const t of this.tasks.all()) if (t.policyUuid === uuid) this.scheduler.reschedule(t.uuid);
    }
    return updated;
  }

  /** Deletes a policy no task uses; deleting an unknown policy succeeds (ZStack's Permissive delete). */
  deletePolicy(uuid: string): void {
    if (!this.policies.has(uuid)) return;
    const user = this.tasks.all().find((t) => t.policyUuid === uuid);
    if (user) throw conflict(`CDP policy[uuid:${uuid}] is used by CDP task[uuid:${user.uuid}]; delete the task first`);
    this.policies.delete(uuid);
  }

  // ---- tasks

  /** Creates a task as Created/Enabled; its schedule then moves it to Starting and Running. */
  createTask(input: NewCdpTask): CdpTask {
    if (input.resourceUuid && this.tasks.has(input.resourceUuid)) throw invalidArgument("resourceUuid", `resource uuid ${input.resourceUuid} is already in use`);
    if (!this.policies.has(input.policyUuid)) throw invalidArgument("policyUuid", `CDP policy[uuid:${input.policyUuid}] is not found`);
    const bs = this.deps.inventory.backupStorages.get(input.backupStorageUuid);
    if (!bs) throw invalidArgument("backupStorageUuid", `backup storage[uuid:${input.backupStorageUuid}] is not found`);
    const uuids = [...new Set(input.resourceUuids)];
    for (const vmUuid of uuids) {
      if (!this.deps.inventory.vms.has(vmUuid)) throw invalidArgument("resourceUuids", `VM instance[uuid:${vmUuid}] is not found`);
      const other = this.taskProtecting(vmUuid);
      if (other) throw conflict(`VM instance[uuid:${vmUuid}] is already protected by CDP task[uuid:${other.uuid}]`);
    }
    const now = this.deps.clock.now();
    const uuid = input.resourceUuid ?? newZStackUuid();
    const task = this.tasks.put({
      uuid,
      name: input.name,
      description: input.description ?? "",
      policyUuid: input.policyUuid,
      backupStorageUuid: bs.uuid,
      taskType: input.taskType,
      status: "Created",
      state: "Enabled",
      backupBandwidth: input.backupBandwidth ?? 0,
      maxCapacity: input.maxCapacity ?? 0,
      usedCapacity: 0,
      maxLatency: input.maxLatency ?? DEFAULT_MAX_LATENCY_MS,
      lastLatency: 0,
      resourceRefs: uuids.map((resourceUuid) => ({ taskUuid: uuid, resourceUuid, resourceType: "VmInstanceVO", createDate: now, lastOpDate: now })),
      lastGroupId: 0,
      createDate: now,
      lastOpDate: now,
    });
    this.scheduler.start(uuid, 0);
    return task;
  }

  updateTask(uuid: string, changes: CdpTaskChanges): CdpTask {
    const task = this.requireTask(uuid);
    const updated = this.tasks.put({ ...task, ...defined(changes), lastOpDate: this.deps.clock.now() });
    if (changes.maxLatency !== undefined) this.scheduler.reschedule(uuid);
    return updated;
  }

  /** Enabled again: Running when it already has recovery points, Starting otherwise; the schedule resumes. */
  async enableTask(uuid: string): Promise<CdpTask> {
    const task = this.requireTask(uuid);
    if (task.state === "Enabled" && task.status !== "Failed" && task.status !== "Stopped") return task;
    const { lastError: _dropped, ...rest } = task;
    const updated = this.tasks.put({
      ...rest,
      state: "Enabled",
      status: this.pointsOf(uuid).length > 0 ? "Running" : "Starting",
      lastOpDate: this.deps.clock.now(),
    });
    this.scheduler.start(uuid, 0);
    return updated;
  }

  /** Stopped/Disabled: writes are no longer journaled, no more recovery points; those already cut stay restorable. */
  async disableTask(uuid: string): Promise<CdpTask> {
    this.requireTask(uuid);
    // The journal may be open on another node: it hands it over first.
    await this.ownership.take(uuid);
    try {
      await this.scheduler.stop(uuid);
      await this.journaling.release(uuid);
      const task = this.requireTask(uuid);
      return this.tasks.put({ ...task, state: "Disabled", status: "Stopped", lastOpDate: this.deps.clock.now() });
    } finally {
      await this.ownership.release(uuid);
    }
  }

  /** Deletes the task with its journal and recovery points; deleting an unknown task succeeds. */
  async deleteTask(uuid: string): Promise<void> {
    if (!this.tasks.has(uuid)) return this.removeLeftJournal(uuid);
    // The journal may be open on another node: it hands it over first.
    await this.ownership.take(uuid);
    try {
      await this.scheduler.stop(uuid);
      const task = this.tasks.get(uuid);
      if (!task) return;
      // The records go first, in one transaction, then the journal: a crash in between leaves a journal no task
      // names, which the next start removes (sweepOrphanJournals) — never a listed task whose journal is gone.
      this.deps.store.transaction(() => {
        for (const p of this.pointsOf(uuid)) this.removePoint(p);
        this.tasks.delete(uuid);
      });
      const bs = this.deps.inventory.backupStorages.get(task.backupStorageUuid);
      if (bs) await this.journaling.destroy(uuid, bs.url);
      else await this.journaling.release(uuid);
    } finally {
      await this.ownership.release(uuid);
    }
  }

  /**
   * The same delete sent again after the node running it died between the records and the journal (its client
   * was told the job failed): the journal no task names goes now, not only when a node starts alone. Taken under
   * the task's lease, which the dead node's expiry frees.
   */
  private async removeLeftJournal(uuid: string): Promise<void> {
    if (!TASK_UUID.test(uuid)) return; // never a path from an unchecked name
    const left = this.deps.inventory.backupStorages.all().filter((bs) => existsSync(layout.cdpTask(bs.url, uuid)));
    if (left.length === 0) return;
    await this.ownership.take(uuid);
    try {
      if (this.tasks.has(uuid)) return; // created again meanwhile: not left behind
      for (const bs of left) await this.journaling.removeOrphan(bs.url, uuid);
    } finally {
      await this.ownership.release(uuid);
    }
  }

  /** Removes the journals a crash left behind of tasks already deleted; returns how many. */
  async sweepOrphanJournals(): Promise<number> {
    const owned = new Set(this.tasks.all().map((t) => t.uuid));
    let removed = 0;
    for (const bs of this.deps.inventory.backupStorages.all()) removed += (await this.journaling.sweepOrphans(bs.url, owned)).length;
    return removed;
  }

  /** The task protecting the VM, if any (a VM is protected by at most one task). */
  taskProtecting(vmUuid: string): CdpTask | undefined {
    return this.tasks.all().find((t) => t.resourceRefs.some((r) => r.resourceUuid === vmUuid));
  }

  /**
   * Destroys a VM and its volumes (ZStack's DestroyVmInstance, here with immediate expunge). Refused while a CDP
   * task protects the VM; an unknown VM is not an error. Backups and recovery points of the VM stay.
   */
  async destroyVm(vmUuid: string): Promise<void> {
    const task = this.taskProtecting(vmUuid);
    if (task) throw conflict(`VM instance[uuid:${vmUuid}] is protected by CDP task[uuid:${task.uuid}]; delete the task first`);
    await this.deps.inventory.deleteVm(vmUuid);
  }

  requireTask(uuid: string): CdpTask {
    const task = this.tasks.get(uuid);
    if (!task) throw notFound("CdpTask", uuid);
    return task;
  }

  /**
   * Time between two recovery points of the task: the policy's `recoveryPointPerSecond`, shortened to the task's
   * `maxLatency` (the RPO bound, ms) when that is smaller, but never below one second.
   */
  periodMs(task: CdpTask): number {
    const policy = this.policies.get(task.policyUuid);
    const interval = (policy?.recoveryPointPerSecond ?? 60) * 1000;
    return Math.max(MIN_PERIOD_MS, task.maxLatency > 0 ? Math.min(interval, task.maxLatency) : interval);
  }

  // ---- recovery points

  /** The task's recovery points, oldest (lowest groupId) first. */
  pointsOf(taskUuid: string): readonly RecoveryPoint[] {
    return this.pointsByTask.get(taskUuid) ?? [];
  }

  point(taskUuid: string, groupId: number): RecoveryPoint | undefined {
    return this.pointsOf(taskUuid).find((p) => p.groupId === groupId);
  }

  /** Recovery points holding the VM, across tasks, oldest first. */
  pointsOfVm(vmUuid: string): RecoveryPoint[] {
    return this.points
      .all()
      .filter((p) => p.vms.some((vm) => vm.vmInstanceUuid === vmUuid))
      .sort((a, b) => a.createDate - b.createDate || a.groupId - b.groupId);
  }

  /**
   * Creates a new VM whose volumes hold the bytes the task's first protected VM had at recovery point `groupId`
   * (ZStack's CreateVmFromCdpBackup; a task protecting several VMs restores the first of its resourceRefs).
   */
  async createVmFromPoint(taskUuid: string, groupId: number, target: RestoreTarget, signal?: AbortSignal): Promise<VmInstance> {
    const task = this.tasks.get(taskUuid);
    if (!task) throw invalidArgument("cdpTaskUuid", `CDP task[uuid:${taskUuid}] is not found`);
    const point = this.point(taskUuid, groupId);
    if (!point) throw invalidArgument("groupId", `CDP task[uuid:${taskUuid}] has no recovery point with groupId ${groupId}`);
    const bs = this.deps.inventory.backupStorages.get(point.backupStorageUuid);
    if (!bs) throw conflict(`backup storage[uuid:${point.backupStorageUuid}] of the recovery point no longer exists`);
    const saved = point.vms[0]!;
    const sourceVm = this.deps.inventory.vms.get(saved.vmInstanceUuid);
    return createVmFromImages(
      this.deps.inventory,
      target,
      [...saved.volumes]
        .sort((a, b) => a.deviceId - b.deviceId)
        .map((v) => ({ type: v.type, size: v.size, restoreInto: (dest: string) => this.materialize(taskUuid, bs.url, groupId, v.volumeUuid, dest) })),
      sourceVm
        ? { instanceOfferingUuid: sourceVm.instanceOfferingUuid, l3NetworkUuids: sourceVm.vmNics.map((n) => n.l3NetworkUuid), defaultL3NetworkUuid: sourceVm.defaultL3NetworkUuid }
        : {},
      signal,
    );
  }

  /** The volumes of recovery point `groupId`, each able to write its bytes as of that point into a file (admin checksums). */
  pointVolumes(taskUuid: string, groupId: number): { volumeUuid: string; deviceId: number; size: number; materialize(dest: string): Promise<void> }[] {
    const point = this.point(taskUuid, groupId);
    if (!point) throw invalidArgument("groupId", `CDP task[uuid:${taskUuid}] has no recovery point with groupId ${groupId}`);
    const bs = this.deps.inventory.backupStorages.get(point.backupStorageUuid);
    if (!bs) throw conflict(`backup storage[uuid:${point.backupStorageUuid}] of the recovery point no longer exists`);
    return [...point.vms[0]!.volumes]
      .sort((a, b) => a.deviceId - b.deviceId)
      .map((v) => ({ volumeUuid: v.volumeUuid, deviceId: v.deviceId, size: v.size, materialize: (dest: string) => this.materialize(taskUuid, bs.url, groupId, v.volumeUuid, dest) }));
  }

  /**
   * Writes the bytes the VM had at recovery point `groupId` back into its existing volumes (ZStack's
   * RevertVmFromCdpBackup with useExistingVolume), region by region through the inventory.
   */
  async revertVmToPoint(vmUuid: string, groupId: number, backupStorageUuid: string, signal?: AbortSignal): Promise<void> {
    if (!this.deps.inventory.vms.has(vmUuid)) throw invalidArgument("vmInstanceUuid", `VM instance[uuid:${vmUuid}] is not found`);
    const point = this.pointsOfVm(vmUuid).find((p) => p.groupId === groupId);
    if (!point) throw invalidArgument("groupId", `VM instance[uuid:${vmUuid}] has no recovery point with groupId ${groupId}`);
    if (point.backupStorageUuid !== backupStorageUuid) {
      throw invalidArgument("backupStorageUuid", `recovery point ${groupId} of VM instance[uuid:${vmUuid}] is on backup storage[uuid:${point.backupStorageUuid}]`);
    }
    const bs = this.deps.inventory.backupStorages.get(point.backupStorageUuid);
    if (!bs) throw conflict(`backup storage[uuid:${point.backupStorageUuid}] of the recovery point no longer exists`);
    const saved = point.vms.find((v) => v.vmInstanceUuid === vmUuid)!;
    const targets = saved.volumes.map((v) => {
      const vol = this.deps.inventory.volumes.get(v.volumeUuid);
      if (!vol || vol.vmInstanceUuid !== vmUuid) throw conflict(`volume[uuid:${v.volumeUuid}] of the recovery point is no longer attached to the VM`);
      if (vol.size !== v.size) throw conflict(`volume[uuid:${vol.uuid}] is ${vol.size} bytes now, the recovery point has ${v.size}`);
      return { saved: v, path: vol.installPath };
    });
    for (const t of targets) {
      signal?.throwIfAborted();
      const tmp = `${t.path}.revert-${process.pid}`;
      try {
        await this.materialize(point.taskUuid, bs.url, groupId, t.saved.volumeUuid, tmp);
        await this.deps.inventory.copyIntoVolume(t.saved.volumeUuid, tmp);
      } finally {
        await rm(tmp, { force: true });
      }
    }
  }

  /** The groupIds the task's journal on `storageDir` can restore (what `verify` compares the listed points with). */
  restorableGroupIds(taskUuid: string, storageDir: string): Promise<number[]> {
    return this.ownership.withJournal(taskUuid, () => this.journaling.restorable(taskUuid, storageDir));
  }

  /** Writes the bytes a volume had at a point to `destPath`, holding the task's journal (another node hands it over). */
  private materialize(taskUuid: string, storageDir: string, groupId: number, volumeUuid: string, destPath: string): Promise<void> {
    return this.ownership.withJournal(taskUuid, () => this.journaling.materialize(taskUuid, storageDir, groupId, volumeUuid, destPath));
  }

  addPoint(p: RecoveryPoint): void {
    this.points.put(p);
    this.index(p);
  }

  removePoint(p: RecoveryPoint): void {
    this.points.delete(p.uuid);
    this.unindex(p);
  }

  private unindex(p: RecoveryPoint): void {
    const list = this.pointsByTask.get(p.taskUuid);
    if (list) {
      const rest = list.filter((x) => x.uuid !== p.uuid);
      if (rest.length) this.pointsByTask.set(p.taskUuid, rest);
      else this.pointsByTask.delete(p.taskUuid);
    }
  }

  private index(p: RecoveryPoint): void {
    const list = this.pointsByTask.get(p.taskUuid) ?? [];
    list.push(p);
    list.sort((a, b) => a.groupId - b.groupId);
    this.pointsByTask.set(p.taskUuid, list);
  }
}

/** Whether the task journals its volumes' writes: it exists, is Enabled and has not Failed. */
function journals(task: CdpTask | undefined): task is CdpTask {
  return task !== undefined && task.state === "Enabled" && task.status !== "Failed";
}

/** The object without its undefined-valued keys (absent update fields leave the stored value alone). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
