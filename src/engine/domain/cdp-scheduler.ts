import type { Cdp, CdpDeps, CdpTask } from "./cdp.js";
import { cutRecoveryPoint, dropRecoveryPoint, type RecoveryPoint } from "./recovery-points.js";

/** At most this many recovery points are kept per task (each holds a copy of every protected volume in the store). */
export const MAX_POINTS_PER_TASK = 100;

interface Slot {
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  stopped: boolean;
}

/**
 * Cuts recovery points of running CDP tasks every `recoveryPointPerSecond` seconds of their policy, one at a
 * time per task (the next wait starts when a cut ends). Moves tasks Created/Starting → Running after a cut and
 * to Failed when a cut fails; prunes points past the policy retention, the per-task cap and `maxCapacity`.
 */
export class CdpScheduler {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private readonly deps: CdpDeps,
    private readonly cdp: Cdp,
  ) {}

  /** Schedules the task's next cut in `delayMs` (replacing any pending one); a running cut is left alone. */
  start(taskUuid: string, delayMs: number): void {
    if (this.closed) return;
    const slot = this.slots.get(taskUuid) ?? { stopped: false };
    slot.stopped = false;
    this.slots.set(taskUuid, slot);
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    if (!slot.running) slot.timer = setTimeout(() => this.fire(taskUuid), delayMs);
  }

  /** Applies a new interval from now on. */
  reschedule(taskUuid: string): void {
    const slot = this.slots.get(taskUuid);
    const task = this.cdp.tasks.get(taskUuid);
    if (!slot || slot.stopped || !task) return;
    this.start(taskUuid, this.cdp.periodMs(task));
  }

  /** Stops the task's schedule; resolves once a cut in progress has ended. */
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
    slot.running = this.cut(taskUuid).finally(() => {
      slot.running = undefined;
      const task = this.cdp.tasks.get(taskUuid);
      if (slot.stopped || this.closed || !task || task.state !== "Enabled" || task.status === "Failed") {
        if (!slot.stopped) this.slots.delete(taskUuid);
        return;
      }
      slot.timer = setTimeout(() => this.fire(taskUuid), this.cdp.periodMs(task));
    });
  }

  private async cut(taskUuid: string): Promise<void> {
    const task = this.cdp.tasks.get(taskUuid);
    if (!task || task.state !== "Enabled") return;
    const bs = this.deps.inventory.backupStorages.get(task.backupStorageUuid);
    if (task.status === "Created") this.cdp.tasks.put({ ...task, status: "Starting" });
    let point: RecoveryPoint;
    try {
      if (!bs) throw new Error(`backup storage[uuid:${task.backupStorageUuid}] no longer exists`);
      const points = this.cdp.pointsOf(taskUuid);
      point = await cutRecoveryPoint(this.deps, {
        taskUuid,
        // The point record is stored before the task: after a crash between the two, the points know better.
        groupId: Math.max(task.lastGroupId, points.length ? points[points.length - 1]!.groupId : 0) + 1,
        backupStorageUuid: bs.uuid,
        storageDir: bs.url,
        vmUuids: task.resourceRefs.map((r) => r.resourceUuid),
        ...(points.length ? { previous: points[points.length - 1]! } : {}),
        // backupBandwidth is kept and reported but not applied to cuts: a throttled copy would hold the store
        // (and engine shutdown) for as long as it runs; journal-based points will not copy volumes at all.
      });
    } catch (e) {
      const now = this.cdp.tasks.get(taskUuid);
      if (now && !this.closed) this.cdp.tasks.put({ ...now, status: "Failed", lastError: e instanceof Error ? e.message : String(e) });
      return;
    }
    const current = this.cdp.tasks.get(taskUuid);
    if (!current || this.closed) {
      // Deleted (or the engine closed) while cutting: the point belongs to nobody.
      await dropRecoveryPoint(this.deps.backupStore, bs.url, point);
      return;
    }
    this.cdp.addPoint(point);
    const kept = await this.prune(current, bs.url);
    const latest = this.cdp.tasks.get(taskUuid) ?? current;
    this.cdp.tasks.put({
      ...latest,
      status: latest.state === "Enabled" ? "Running" : latest.status,
      lastGroupId: point.groupId,
      lastLatency: point.latencyMs,
      usedCapacity: kept.reduce((sum, p) => sum + p.storedSize, 0),
    });
  }

  /** Drops the oldest points beyond retention, the cap and maxCapacity; the newest point always stays. */
  private async prune(task: CdpTask, storageDir: string): Promise<readonly RecoveryPoint[]> {
    const policy = this.cdp.policies.get(task.policyUuid);
    const oldest = policy ? this.deps.clock.now() - policy.retentionTimePerDay * 86_400_000 : -Infinity;
    let points = this.cdp.pointsOf(task.uuid);
    const used = () => points.reduce((sum, p) => sum + p.storedSize, 0);
    while (
      points.length > 1 &&
      (points.length > MAX_POINTS_PER_TASK || points[0]!.createDate < oldest || (task.maxCapacity > 0 && used() > task.maxCapacity))
    ) {
      const victim = points[0]!;
      await dropRecoveryPoint(this.deps.backupStore, storageDir, victim);
      this.cdp.removePoint(victim);
      points = this.cdp.pointsOf(task.uuid);
    }
    return points;
  }
}
