import { access, constants } from "node:fs/promises";
import type { RecoveryPoint as JournalPoint } from "../storage/cdp-journal.js";
import type { Cdp, CdpDeps, CdpTask } from "./cdp.js";
import type { CdpJournaling } from "./cdp-journaling.js";
import type { CdpOwnership } from "./cdp-ownership.js";
import { newZStackUuid } from "./ids.js";
import { pointsToKeep, type RecoveryPoint } from "./recovery-points.js";

interface Slot {
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  stopped: boolean;
}

/**
 * Drives running CDP tasks: the first run of a task starts its journal (base copy = recovery point 1, or a resync
 * of an existing journal after a restart or an enable), later runs cut a recovery point every `Cdp.periodMs`
 * (≤ the task's maxLatency), one at a time per task (the next wait starts when a run ends). After each point it
 * enforces maxCapacity (DataMerging while the journal merges) and the policy retention, and keeps the listed
 * points equal to what the journal can restore. Moves tasks Created/Starting → Running, and to Failed when a
 * run fails. A run happens only on the node holding the task's journal lease (cdp-ownership.ts); elsewhere the
 * task's schedule ends there.
 */
export class CdpScheduler {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private readonly deps: CdpDeps,
    private readonly cdp: Cdp,
    private readonly journaling: CdpJournaling,
    private readonly ownership: Pick<CdpOwnership, "hold">,
  ) {}

  /** Schedules the task's next run in `delayMs` (replacing any pending one); a running one is left alone. */
  start(taskUuid: string, delayMs: number): void {
    if (this.closed) return;
    const slot = this.slots.get(taskUuid) ?? { stopped: false };
    slot.stopped = false;
    this.slots.set(taskUuid, slot);
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    if (!slot.running) slot.timer = setTimeout(() => this.fire(taskUuid), delayMs);
  }

  /** Starts the task's schedule now unless it already has one here. */
  startIfIdle(taskUuid: string): void {
    const slot = this.slots.get(taskUuid);
    if (!slot || slot.stopped) this.start(taskUuid, 0);
  }

  /** Applies a new interval from now on. */
  reschedule(taskUuid: string): void {
    const slot = this.slots.get(taskUuid);
    const task = this.cdp.tasks.get(taskUuid);
    if (!slot || slot.stopped || !task) return;
    this.start(taskUuid, this.cdp.periodMs(task));
  }

  /** Stops the task's schedule; resolves once a run in progress has ended. */
  async stop(taskUuid: string): Promise<void> {
    const slot = this.slots.get(taskUuid);
    if (!slot) return;
    slot.stopped = true;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    await slot.running;
    if (slot.stopped && this.slots.get(taskUuid) === slot) this.slots.delete(taskUuid);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.slots.keys()].map((uuid) => this.stop(uuid)));
  }

  private fire(taskUuid: string): void {
    const slot = this.slots.get(taskUuid);
    if (!slot || slot.stopped || this.closed) return;
    slot.timer = undefined;
    slot.running = this.ownedRun(taskUuid).then((owner) => {
      slot.running = undefined;
      const task = this.cdp.tasks.get(taskUuid);
      if (!owner || slot.stopped || this.closed || !task || task.state !== "Enabled" || task.status === "Failed") {
        if (!slot.stopped) this.slots.delete(taskUuid);
        return;
      }
      slot.timer = setTimeout(() => this.fire(taskUuid), this.cdp.periodMs(task));
    });
  }

  /** Runs the task if this node holds (or can take) its journal lease; resolves to whether it did. Never rejects. */
  private async ownedRun(taskUuid: string): Promise<boolean> {
    if (!(await this.ownership.hold(taskUuid).catch(() => false))) return false;
    await this.run(taskUuid);
    return true;
  }

  private async run(taskUuid: string): Promise<void> {
    const task = this.cdp.tasks.get(taskUuid);
    if (!task || task.state !== "Enabled" || task.status === "Failed") return;
    if (task.status === "Created") this.cdp.tasks.put({ ...task, status: "Starting" });
    try {
      const bs = this.deps.inventory.backupStorages.get(task.backupStorageUuid);
      if (!bs) throw new Error(`backup storage[uuid:${task.backupStorageUuid}] no longer exists`);
      let point: RecoveryPoint | undefined;
      if (!this.journaling.isJournaling(taskUuid)) {
        const started = this.deps.clock.now();
        const volumes = this.protectedVolumes(task);
        const { first } = await this.journaling.protect(
          taskUuid,
          bs.url,
          volumes.map((v) => ({ uuid: v.uuid, path: v.installPath, size: v.size })),
        );
        if (first) point = this.record(task, bs.uuid, first, first.timestamp - started, new Map(volumes.map((v) => [v.uuid, v.size])));
        // A crash during a merge or prune can leave listed points the journal no longer holds: unlist them now.
        else this.keepOnly(taskUuid, new Set(await this.journaling.restorable(taskUuid, bs.url)));
      }
      if (!point) {
        // The journal never reads the volumes after the base copy; a volume whose file is gone (a broken disk)
        // would go unnoticed, so each cut checks that every protected volume is still there.
        for (const v of this.protectedVolumes(task)) await access(v.installPath, constants.R_OK | constants.W_OK);
        const cut = await this.journaling.cut(taskUuid);
        point = this.record(task, bs.uuid, cut.point, cut.latencyMs, cut.bytesByVolume);
      }
      if (this.closed || !this.cdp.tasks.has(taskUuid)) return;
      this.cdp.addPoint(point);
      const used = await this.maintain(taskUuid);
      const latest = this.cdp.tasks.get(taskUuid);
      if (!latest) return;
      this.cdp.tasks.put({
        ...latest,
        status: latest.state === "Enabled" ? "Running" : latest.status,
        lastGroupId: Math.max(latest.lastGroupId, point.groupId),
        lastLatency: point.latencyMs,
        usedCapacity: used,
      });
    } catch (e) {
      const now = this.cdp.tasks.get(taskUuid);
      if (now && !this.closed) this.cdp.markFailed(taskUuid, e);
    }
  }

  /** Capacity, then retention; the listed points end equal to the journal's restorable ones. Returns bytes used. */
  private async maintain(taskUuid: string): Promise<number> {
    const task = this.cdp.requireTask(taskUuid);
    const { used, restorable } = await this.journaling.enforceCapacity(taskUuid, task.maxCapacity, () => {
      const t = this.cdp.tasks.get(taskUuid);
      if (t) this.cdp.tasks.put({ ...t, status: "DataMerging" });
    });
    this.keepOnly(taskUuid, new Set(restorable.map((p) => p.groupId)));
    const policy = this.cdp.policies.get(task.policyUuid);
    const listed = this.cdp.pointsOf(taskUuid);
    const keep = pointsToKeep(listed, policy, this.deps.clock.now());
    if (keep.length < listed.length) {
      const left = await this.journaling.prune(taskUuid, keep);
      this.keepOnly(taskUuid, new Set(left.map((p) => p.groupId)));
      return (await this.journaling.enforceCapacity(taskUuid, 0, () => undefined)).used;
    }
    return used;
  }

  private keepOnly(taskUuid: string, groupIds: ReadonlySet<number>): void {
    for (const p of this.cdp.pointsOf(taskUuid)) if (!groupIds.has(p.groupId)) this.cdp.removePoint(p);
  }

  private protectedVolumes(task: CdpTask) {
    return task.resourceRefs.flatMap((r) => {
      if (!this.deps.inventory.vms.has(r.resourceUuid)) throw new Error(`protected VM[uuid:${r.resourceUuid}] no longer exists`);
      return this.deps.inventory.vmVolumes(r.resourceUuid);
    });
  }

  private record(task: CdpTask, backupStorageUuid: string, jp: JournalPoint, latencyMs: number, bytes: ReadonlyMap<string, number>): RecoveryPoint {
    const vms = task.resourceRefs.map((r) => ({
      vmInstanceUuid: r.resourceUuid,
      volumes: this.deps.inventory.vmVolumes(r.resourceUuid).map((v) => ({
        volumeUuid: v.uuid,
        type: v.type,
        deviceId: v.deviceId,
        size: v.size,
        storedSize: bytes.get(v.uuid) ?? 0,
      })),
    }));
    return {
      uuid: newZStackUuid(),
      taskUuid: task.uuid,
      groupId: jp.groupId,
      createDate: jp.timestamp,
      latencyMs: Math.max(0, latencyMs),
      storedSize: vms.reduce((s, vm) => s + vm.volumes.reduce((n, v) => n + v.storedSize, 0), 0),
      backupStorageUuid,
      vms,
    };
  }
}
