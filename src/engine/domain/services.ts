import type { EngineContext } from "../context.js";
import { Accounts } from "./accounts.js";
import { BackupScheduler } from "./backup-scheduler.js";
import { Cdp } from "./cdp.js";
import { JobFailover } from "./job-failover.js";
import { Jobs, MAX_FINISHED_JOBS } from "./jobs.js";
import { Schedulers } from "./schedulers.js";
import { Tags } from "./tags.js";
import { VmBackups } from "./vm-backups.js";

/** The domain services of one engine instance beyond the inventory: shared by the ZStack and admin routes. */
export interface EngineServices {
  readonly accounts: Accounts;
  readonly jobs: Jobs;
  /** Fails the jobs of dead nodes (only where other nodes may exist). */
  readonly jobFailover: JobFailover;
  readonly cdp: Cdp;
  readonly vmBackups: VmBackups;
  readonly tags: Tags;
  /** ZStack scheduler jobs and triggers, and the runner that takes their backups. */
  readonly schedulers: Schedulers;
  readonly backupScheduler: BackupScheduler;
}

export const DEFAULT_JOB_EXPIRY_SECONDS = 2 * 24 * 3600;

const byContext = new WeakMap<EngineContext, EngineServices>();

/**
 * The services of `ctx`, built on first use: loads their collections, makes sure the `admin` account exists,
 * fails jobs a previous run left running, and registers their shutdown on `ctx`. Background work (CDP
 * schedules) starts with `startBackgroundWork`.
 */
export function engineServices(ctx: EngineContext): EngineServices {
  const found = byContext.get(ctx);
  if (found) return found;
  const accounts = new Accounts(ctx.store, ctx.clock, ctx.options.sessionTimeoutSeconds * 1000);
  accounts.ensureAdmin();
  const jobs = new Jobs(ctx.store, ctx.clock, (ctx.options.jobExpirySeconds ?? DEFAULT_JOB_EXPIRY_SECONDS) * 1000, MAX_FINISHED_JOBS, ctx.cluster);
  const jobFailover = new JobFailover(jobs, ctx.cluster, ctx.refreshMetadata);
  const cdp = new Cdp({ store: ctx.store, clock: ctx.clock, inventory: ctx.inventory, backupStore: ctx.backupStore, cluster: ctx.cluster, refresh: ctx.refreshMetadata });
  const vmBackups = new VmBackups(ctx.store, ctx.clock, ctx.inventory, ctx.backupStore);
  const schedulers = new Schedulers(ctx.store, ctx.clock, ctx.inventory);
  const backupScheduler = new BackupScheduler(schedulers, vmBackups, ctx.inventory, ctx.clock, ctx.cluster, ctx.refreshMetadata);
  const services: EngineServices = { accounts, jobs, jobFailover, cdp, vmBackups, tags: new Tags(ctx.store), schedulers, backupScheduler };
  byContext.set(ctx, services);
  ctx.onClose(async () => {
    await jobFailover.close();
    jobs.close();
    await backupScheduler.close();
    await cdp.close();
  });
  return services;
}

/**
 * Clears what an interrupted run left behind (only when this node started alone: with other nodes live, a backup
 * being written or a journal being created may be theirs), resumes the schedules of enabled CDP tasks (each run
 * takes the task's journal lease first) and starts failing the jobs of dead nodes.
 */
export async function startBackgroundWork(ctx: EngineContext, services: EngineServices): Promise<void> {
  if (ctx.recoverInterrupted) {
    await services.vmBackups.completeDeletes();
    await services.vmBackups.sweepOrphans();
    await services.vmBackups.collectInterrupted();
    await services.cdp.sweepOrphanCopies();
    await services.cdp.sweepOrphanJournals();
  }
  services.cdp.resume();
  services.jobFailover.start();
}
