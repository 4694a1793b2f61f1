import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";
import type { Clock } from "./clock.js";
import { invalidArgument, notFound } from "./errors.js";
import { newZStackUuid } from "./ids.js";
import type { Inventory } from "./inventory.js";
import { parseQuartzCron } from "../../schedule/quartz-cron.js";

/** The job types this engine runs: the backups. ZStack's others (startVm, volumeSnapshot...) are refused. */
export const JOB_TYPES = ["vmBackup", "volumeBackup"] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** A scheduler job (ZStack's SchedulerJobInventory): what to do to which resource when a trigger fires. */
export interface SchedulerJob {
  uuid: string;
  name: string;
  description: string;
  /** vmBackup: the VM (or its root volume); volumeBackup: the volume. */
  targetResourceUuid: string;
  type: JobType;
  /** The job's parameters as given; `backupStorageUuid` names where backups go. */
  parameters: Record<string, string>;
  state: "Enabled" | "Disabled";
  triggerUuids: string[];
  createDate: number;
  lastOpDate: number;
}

/** A scheduler trigger (SchedulerTriggerInventory): when attached jobs run. Times in epoch ms. */
export interface SchedulerTrigger {
  uuid: string;
  name: string;
  description: string;
  schedulerType: "simple" | "cron";
  /** simple: seconds between firings. */
  schedulerInterval?: number;
  /** simple: how many times it fires in all; unset fires forever. */
  repeatCount?: number;
  /** simple: first firing (the creation time when none was given). */
  startTime: number;
  /** simple with a repeat count: the last firing. */
  stopTime?: number;
  cron?: string;
  createDate: number;
  lastOpDate: number;
}

export interface NewJob {
  name: string;
  description?: string;
  targetResourceUuid: string;
  type: string;
  parameters?: Record<string, unknown>;
  resourceUuid?: string;
}

export interface NewTrigger {
  name: string;
  description?: string;
  schedulerType: "simple" | "cron";
  schedulerInterval?: number;
  repeatCount?: number;
  /** Unix seconds, as the API takes it; 0 or unset = now. */
  startTime?: number;
  cron?: string;
  resourceUuid?: string;
}

/** Scheduler jobs and triggers and which jobs each trigger runs. The runner is `BackupScheduler`. */
export class Schedulers {
  readonly jobs: Collection<SchedulerJob>;
  readonly triggers: Collection<SchedulerTrigger>;

  constructor(
    store: MetadataStore,
    private readonly clock: Clock,
    private readonly inventory: Inventory,
  ) {
    this.jobs = store.collection("scheduler-job");
    this.triggers = store.collection("scheduler-trigger");
  }

  createJob(input: NewJob): SchedulerJob {
    if (!(JOB_TYPES as readonly string[]).includes(input.type)) {
      throw invalidArgument("type", `this engine runs scheduler jobs of type ${JOB_TYPES.join(" or ")}, not ${input.type}`);
    }
    const type = input.type as JobType;
    const parameters = Object.fromEntries(Object.entries(input.parameters ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    this.checkTarget(type, input.targetResourceUuid);
    const bsUuid = parameters["backupStorageUuid"];
    if (!bsUuid) throw invalidArgument("parameters", `a ${type} job needs parameters.backupStorageUuid (the ImageStore backup storage to write to)`);
    const bs = this.inventory.backupStorages.get(bsUuid);
    if (!bs) throw invalidArgument("parameters", `backup storage[uuid:${bsUuid}] is not found`);
    if (bs.type !== "ImageStoreBackupStorage") throw invalidArgument("parameters", `backup storage[uuid:${bsUuid}] is not an ImageStore`);
    const uuid = this.freshUuid(input.resourceUuid);
    const now = this.clock.now();
    return this.jobs.put({
      uuid,
      name: input.name,
      description: input.description ?? "",
      targetResourceUuid: input.targetResourceUuid,
      type,
      parameters,
      state: "Enabled",
      triggerUuids: [],
      createDate: now,
      lastOpDate: now,
    });
  }

  updateJob(uuid: string, change: { name?: string; description?: string }): SchedulerJob {
    const job = this.requireJob(uuid);
    return this.jobs.put({ ...job, ...defined(change), lastOpDate: this.clock.now() });
  }

  /** Deletes the job and detaches it from its triggers; an unknown job is not an error (Permissive). */
  deleteJob(uuid: string): void {
    this.jobs.delete(uuid);
  }

  createTrigger(input: NewTrigger): SchedulerTrigger {
    const uuid = this.freshUuid(input.resourceUuid);
    const now = this.clock.now();
    const base = { uuid, name: input.name, description: input.description ?? "", createDate: now, lastOpDate: now };
    if (input.schedulerType === "cron") {
      if (!input.cron) throw invalidArgument("cron", "a cron trigger needs a cron expression");
      const parsed = parseQuartzCron(input.cron);
      if (!parsed.ok) throw invalidArgument("cron", `cron expression '${input.cron}' is invalid: ${parsed.reason}`);
      return this.triggers.put({ ...base, schedulerType: "cron", cron: input.cron.trim(), startTime: now });
    }
    if (input.schedulerInterval === undefined) throw invalidArgument("schedulerInterval", "a simple trigger needs schedulerInterval (seconds between firings)");
    const startTime = input.startTime ? input.startTime * 1000 : now;
    const interval = input.schedulerInterval;
    return this.triggers.put({
      ...base,
      schedulerType: "simple",
      schedulerInterval: interval,
      ...(input.repeatCount !== undefined ? { repeatCount: input.repeatCount, stopTime: startTime + (input.repeatCount - 1) * interval * 1000 } : {}),
      startTime,
    });
  }

  updateTrigger(uuid: string, change: { name?: string; description?: string }): SchedulerTrigger {
    const trigger = this.requireTrigger(uuid);
    return this.triggers.put({ ...trigger, ...defined(change), lastOpDate: this.clock.now() });
  }

  /** Deletes the trigger and detaches it from every job; an unknown trigger is not an error. */
  deleteTrigger(uuid: string): void {
    for (const job of this.jobsOf(uuid)) this.jobs.put({ ...job, triggerUuids: job.triggerUuids.filter((t) => t !== uuid), lastOpDate: this.clock.now() });
    this.triggers.delete(uuid);
  }

  /** AddSchedulerJobToSchedulerTrigger: idempotent. */
  attach(jobUuid: string, triggerUuid: string): SchedulerJob {
    const job = this.requireJob(jobUuid);
    this.requireTrigger(triggerUuid);
    if (job.triggerUuids.includes(triggerUuid)) return job;
    return this.jobs.put({ ...job, triggerUuids: [...job.triggerUuids, triggerUuid], lastOpDate: this.clock.now() });
  }

  /** RemoveSchedulerJobFromSchedulerTrigger: detaching what is not attached is not an error. */
  detach(jobUuid: string, triggerUuid: string): void {
    const job = this.jobs.get(jobUuid);
    if (!job || !job.triggerUuids.includes(triggerUuid)) return;
    this.jobs.put({ ...job, triggerUuids: job.triggerUuids.filter((t) => t !== triggerUuid), lastOpDate: this.clock.now() });
  }

  /** The jobs the trigger runs. */
  jobsOf(triggerUuid: string): SchedulerJob[] {
    return this.jobs.all().filter((j) => j.triggerUuids.includes(triggerUuid));
  }

  requireJob(uuid: string): SchedulerJob {
    const job = this.jobs.get(uuid);
    if (!job) throw notFound("SchedulerJob", uuid);
    return job;
  }

  requireTrigger(uuid: string): SchedulerTrigger {
    const trigger = this.triggers.get(uuid);
    if (!trigger) throw notFound("SchedulerTrigger", uuid);
    return trigger;
  }

  private checkTarget(type: JobType, target: string): void {
    if (type === "volumeBackup") {
      if (!this.inventory.volumes.has(target)) throw invalidArgument("targetResourceUuid", `volume[uuid:${target}] is not found`);
      return;
    }
    const vol = this.inventory.volumes.get(target);
    if (!this.inventory.vms.has(target) && !(vol?.type === "Root" && vol.vmInstanceUuid)) {
      throw invalidArgument("targetResourceUuid", `a vmBackup job targets a VM or its root volume; ${target} is neither`);
    }
  }

  private freshUuid(resourceUuid: string | undefined): string {
    if (resourceUuid && (this.jobs.has(resourceUuid) || this.triggers.has(resourceUuid))) throw invalidArgument("resourceUuid", `resource uuid ${resourceUuid} is already in use`);
    return resourceUuid ?? newZStackUuid();
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
