import type { Db } from "../store/db.js";
import { Collection } from "../store/collection.js";
import type { Clock } from "./clock.js";
import type { DomainErrorKind } from "./errors.js";

/**
 * Persisted asynchronous API jobs: running → succeeded | failed, then expiry. `result` is the JSON body the API
 * family answers on success (a snapshot taken when the job ended); `error` says in domain terms why it failed.
 */
export type Job =
  | (JobBase & { status: "running" })
  | (JobBase & { status: "succeeded"; finishDate: number; result: unknown })
  | (JobBase & { status: "failed"; finishDate: number; error: JobError });

export interface JobError {
  kind: DomainErrorKind;
  message: string;
  field?: string;
}

/** Why a job that was running when the engine stopped has failed. */
export const INTERRUPTED_MESSAGE = "the backup engine stopped before this job finished; the operation did not complete and nothing of it was kept";

interface JobBase {
  uuid: string;
  apiName: string;
  createDate: number;
  apiTimeoutMs: number;
}

export class Jobs {
  private readonly jobs: Collection<Job>;
  private readonly controllers = new Map<string, AbortController>();
  private closed = false;
  private lastPurge = 0;

  /**
   * Loads the jobs of a previous run. Jobs still `running` there were cut off by a stop: they are failed now
   * (INTERRUPTED_MESSAGE), so a client polling them gets a definite answer.
   */
  constructor(
    db: Db,
    private readonly clock: Clock,
    /** How long a finished job stays readable (ZStack purges completed jobs after a while). */
    private readonly expiryMs: number,
  ) {
    this.jobs = new Collection(db, "api-job");
    for (const job of this.jobs.all()) {
      if (job.status === "running") this.finish(job.uuid, { status: "failed", error: { kind: "internal", message: INTERRUPTED_MESSAGE } });
    }
  }

  has(uuid: string): boolean {
    return this.jobs.has(uuid);
  }

  /** The job, unless it finished more than the expiry period ago (it is then forgotten). */
  get(uuid: string): Job | undefined {
    const job = this.jobs.get(uuid);
    if (!job) return undefined;
    if (job.status !== "running" && this.clock.now() >= job.finishDate + this.expiryMs) {
      this.jobs.delete(uuid);
      return undefined;
    }
    return job;
  }

  /**
   * Records a running job and starts `work` in the background with an AbortSignal that fires when the engine
   * closes. `work` resolves to the success payload; a rejection is turned into the failure payload by `toError`.
   * Promises: the job is durable as `running` before this returns; once the engine is closed nothing more is
   * written (the restarted engine then fails it, see the constructor).
   */
  start(uuid: string, apiName: string, apiTimeoutMs: number, work: (signal: AbortSignal) => Promise<unknown>, toError: (e: unknown) => JobError): Job {
    const job = this.jobs.put({ uuid, apiName, apiTimeoutMs, createDate: this.clock.now(), status: "running" });
    const controller = new AbortController();
    this.controllers.set(uuid, controller);
    const settle = (outcome: { status: "succeeded"; result: unknown } | { status: "failed"; error: JobError }) => {
      this.controllers.delete(uuid);
      if (this.closed) return;
      this.finish(uuid, outcome);
    };
    // Run after the caller has answered 202, so even a synchronous `work` never beats the job record.
    setImmediate(() => {
      if (this.closed) return;
      let promise: Promise<unknown>;
      try {
        promise = work(controller.signal);
      } catch (e) {
        promise = Promise.reject(e);
      }
      promise.then(
        (result) => settle({ status: "succeeded", result }),
        (e: unknown) => settle({ status: "failed", error: toError(e) }),
      );
    });
    this.purgeExpired();
    return job;
  }

  /** Stops recording outcomes and aborts running work; their records stay `running` for the next start. */
  close(): void {
    this.closed = true;
    for (const c of this.controllers.values()) c.abort(new Error("the engine is shutting down"));
    this.controllers.clear();
  }

  private finish(uuid: string, outcome: { status: "succeeded"; result: unknown } | { status: "failed"; error: JobError }): void {
    const job = this.jobs.get(uuid);
    if (!job) return;
    const base = { uuid: job.uuid, apiName: job.apiName, createDate: job.createDate, apiTimeoutMs: job.apiTimeoutMs, finishDate: this.clock.now() };
    this.jobs.put(outcome.status === "succeeded" ? { ...base, status: "succeeded", result: outcome.result } : { ...base, status: "failed", error: outcome.error });
  }

  private purgeExpired(): void {
    const now = this.clock.now();
    // A scan per minute at most: benchmarks start thousands of jobs in a row.
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    for (const job of this.jobs.all()) {
      if (job.status !== "running" && now >= job.finishDate + this.expiryMs) this.jobs.delete(job.uuid);
    }
  }
}
