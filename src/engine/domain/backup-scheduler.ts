import type { Cluster } from "../cluster/cluster.js";
import type { Clock } from "./clock.js";
import { firingKey, latestFiringBetween } from "./firing.js";
import type { Inventory } from "./inventory.js";
import { nextCronFire, parseQuartzCron } from "../../schedule/quartz-cron.js";
import type { SchedulerJob, Schedulers, SchedulerTrigger } from "./schedulers.js";
import type { VmBackups } from "./vm-backups.js";

/** How often the runner looks for due triggers: cron has a seconds field, so about twice a second. */
const TICK_MS = 500;

/** Claim scope of a trigger's firing (firing.ts). */
const FIRING_SCOPE = "zstack-trigger";

/**
 * Runs scheduler jobs when their triggers fire: each tick (wall time) asks the engine's clock what time it is and
 * fires every trigger with a firing in (previous tick, now] — once, however many it missed, and firings missed
 * while the engine was down are not caught up. A fired trigger runs each enabled job attached to it unless that
 * job is still running here (one backup at a time per job, as ZStack takes one backup at a time per volume). The
 * backups are real: `VmBackups.create` / `createVolume`, named after the job.
 *
 * With several nodes, each firing (trigger, scheduled time) is claimed once cluster-wide: the node that claims
 * it runs the trigger's jobs, the others skip it. A node that dies while running them does not get them run
 * again: the firing is lost like one missed while the engine is down.
 */
export class BackupScheduler {
  private lastTick: number;
  private timer: NodeJS.Timeout | undefined;
  /** The tick in progress, if any. */
  private ticking: Promise<unknown> | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private offsetMinutes: (at: number) => number = () => 0;

  constructor(
    private readonly schedulers: Schedulers,
    private readonly vmBackups: VmBackups,
    private readonly inventory: Inventory,
    private readonly clock: Clock,
    private readonly cluster: Pick<Cluster, "claimOnce">,
    /** Brings the triggers and jobs up to date with what other nodes wrote, before each tick. */
    private readonly refresh: () => Promise<void> = async () => undefined,
  ) {
    this.lastTick = clock.now();
  }

  /**
   * Starts ticking. `offsetMinutes` gives the management node's zone offset at a time: cron expressions are
   * read on the node's wall clock, as Quartz reads them in the server's default zone.
   */
  start(offsetMinutes?: (at: number) => number, intervalMs = TICK_MS): void {
    if (offsetMinutes) this.offsetMinutes = offsetMinutes;
    this.lastTick = this.clock.now();
    this.timer ??= setInterval(() => {
      // A tick still claiming its firings (a slow database) is not overlapped; the next one covers the window.
      if (this.ticking) return;
      this.ticking = this.tick()
        // A timer callback must never take the engine down; the next tick tries again.
        .catch((e: unknown) => console.error("backplan engine: zstack scheduler tick failed", e))
        .finally(() => (this.ticking = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for the backups in progress (aborted) to end. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort(new Error("the engine is shutting down"));
    await this.ticking;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Fires what is due since the previous tick and was not claimed by another node; returns the uuids of the jobs it started. */
  async tick(): Promise<string[]> {
    await this.refresh();
    const now = this.clock.now();
    const since = this.lastTick;
    this.lastTick = now;
    const started: string[] = [];
    for (const trigger of this.schedulers.triggers.all()) {
      const at = this.firingBetween(trigger, since, now);
      if (at === undefined || !this.schedulers.jobsOf(trigger.uuid).some((j) => j.state === "Enabled")) continue;
      if (!(await this.cluster.claimOnce(FIRING_SCOPE, firingKey(trigger.uuid, at)))) continue;
      if (this.abort.signal.aborted) break;
      for (const job of this.schedulers.jobsOf(trigger.uuid)) {
        if (job.state !== "Enabled" || this.running.has(job.uuid)) continue;
        const run = this.run(job).finally(() => this.running.delete(job.uuid));
        this.running.set(job.uuid, run);
        started.push(job.uuid);
      }
    }
    return started;
  }

  /** The trigger's latest firing in (since, now] (epoch ms), if it has one. */
  firingBetween(t: SchedulerTrigger, since: number, now: number): number | undefined {
    if (t.schedulerType === "cron") {
      const parsed = t.cron ? parseQuartzCron(t.cron) : undefined;
      if (!parsed?.ok) return undefined;
      return latestFiringBetween((after) => nextCronFire(parsed.schedule, after, this.offsetMinutes), since, now);
    }
    const intervalMs = (t.schedulerInterval ?? 0) * 1000;
    if (intervalMs <= 0 || now < t.startTime) return undefined;
    // The newest firing at or before now: start + k·interval, k < repeatCount.
    let k = Math.floor((now - t.startTime) / intervalMs);
    if (t.repeatCount !== undefined) k = Math.min(k, t.repeatCount - 1);
    if (k < 0) return undefined;
    const at = t.startTime + k * intervalMs;
    return at > since ? at : undefined;
  }

  private async run(job: SchedulerJob): Promise<void> {
    const backupStorageUuid = job.parameters["backupStorageUuid"] ?? "";
    const input = { backupStorageUuid, name: job.name, description: `scheduled by job ${job.uuid}` };
    try {
      if (job.type === "volumeBackup") {
        await this.vmBackups.createVolume(job.targetResourceUuid, input, this.abort.signal);
      } else {
        const vm = this.inventory.vms.get(job.targetResourceUuid);
        await this.vmBackups.create(vm ? vm.rootVolumeUuid : job.targetResourceUuid, input, this.abort.signal);
      }
    } catch (e) {
      // A scheduled backup that fails (its VM deleted, the engine closing) is skipped until the next firing.
      if (!this.abort.signal.aborted) console.error(`backplan engine: scheduler job ${job.uuid} (${job.type}) failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
