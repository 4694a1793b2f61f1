import type { Cluster } from "../cluster/cluster.js";
import { EmbeddedCluster } from "../cluster/embedded-cluster.js";
import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";
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

/** Why a job that was running when the engine was stopped gracefully (SIGTERM) has failed. */
export const SHUTDOWN_MESSAGE = "the backup engine was stopped while this job ran; the operation was aborted and nothing of it was kept";

/** Why a job failed whose node died while it ran (failed by another node, job-failover.ts). */
export function deadNodeMessage(node: string, deadAfterMs: number): string {
  return `the backup engine node "${node}" running this job stopped (no heartbeat for more than ${deadAfterMs / 1000} s); the operation did not complete`;
}

/** Why a job failed whose node lost its heartbeat while the job ran: the others may have failed it already. */
export function lostHeartbeatMessage(node: string, deadAfterMs: number): string {
  return `the backup engine node "${node}" running this job lost contact with the cluster database for more than ${deadAfterMs / 1000} s, so the job was failed; the operation may be incomplete`;
}

interface JobBase {
  uuid: string;
  apiName: string;
  createDate: number;
  apiTimeoutMs: number;
  /** The engine node running the job (absent in jobs of engines before clusters). */
  node?: string;
}

/**
 * Finished jobs kept at most (the oldest finished are forgotten first), besides the expiry age: a client that
 * starts jobs in a hot loop must not grow the engine's memory and database without bound.
 */
export const MAX_FINISHED_JOBS = 10_000;

export class Jobs {
  private readonly jobs: Collection<Job>;
  /** Finished jobs' uuids, oldest finish first. */
  private readonly finished: string[] = [];
  private readonly controllers = new Map<string, AbortController>();
  private closed = false;
  private lastPurge = 0;

  /**
   * Loads the jobs of a previous run. Jobs still `running` there were cut off by a stop: they are failed now
   * (INTERRUPTED_MESSAGE), so a client polling them gets a definite answer. With other nodes, only this node's
   * own (a previous run under the same `--node-name`) and those recorded before clusters are: another node's
   * running job is its own, or `failOrphan`'s once that node dies.
   */
  constructor(
    store: MetadataStore,
    private readonly clock: Clock,
    /** How long a finished job stays readable (ZStack purges completed jobs after a while). */
    private readonly expiryMs: number,
    private readonly maxFinished: number = MAX_FINISHED_JOBS,
    private readonly cluster: Cluster = new EmbeddedCluster(),
  ) {
    this.jobs = store.collection("api-job");
    const done = this.jobs.all().filter((j): j is Exclude<Job, { status: "running" }> => j.status !== "running");
    for (const j of done.sort((a, b) => a.finishDate - b.finishDate)) this.finished.push(j.uuid);
    for (const job of this.jobs.all()) {
      if (job.status !== "running") continue;
      if (!cluster.shared || job.node === undefined || job.node === cluster.self.id) {
        this.finish(job.uuid, { status: "failed", error: { kind: "internal", message: INTERRUPTED_MESSAGE } });
      }
    }
    this.trimFinished();
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
    const node = this.cluster.shared ? { node: this.cluster.self.id } : {};
    const job = this.jobs.put({ uuid, apiName, apiTimeoutMs, createDate: this.clock.now(), status: "running", ...node });
    const controller = new AbortController();
    this.controllers.set(uuid, controller);
    const live = this.cluster.livenessMark();
    const settle = (outcome: { status: "succeeded"; result: unknown } | { status: "failed"; error: JobError }) => {
      this.controllers.delete(uuid);
      if (this.closed) return;
      // A node that may have looked dead meanwhile may have had the job failed by another: it fails it too, so
      // every node tells the same outcome.
      if (!this.cluster.stillLive(live)) {
        outcome = { status: "failed", error: { kind: "internal", message: lostHeartbeatMessage(this.cluster.self.id, this.cluster.bounds.deadAfterMs) } };
      }
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

  /** Running jobs other nodes started (candidates for `failOrphan` once their node is dead). */
  runningElsewhere(): (Job & { node: string })[] {
    return this.jobs.all().filter((j): j is Job & { node: string } => j.status === "running" && j.node !== undefined && j.node !== this.cluster.self.id);
  }

  /**
   * Fails job `uuid` if it is still running on `deadNode` (naming the node in the error); returns whether it
   * did. Idempotent: a job that finished meanwhile, or runs elsewhere, is left alone.
   */
  failOrphan(uuid: string, deadNode: string): boolean {
    const job = this.jobs.get(uuid);
    if (!job || job.status !== "running" || job.node !== deadNode) return false;
    this.finish(uuid, { status: "failed", error: { kind: "internal", message: deadNodeMessage(deadNode, this.cluster.bounds.deadAfterMs) } });
    return true;
  }

  /**
   * Aborts running work and records each such job as failed (SHUTDOWN_MESSAGE) right away, so a graceful stop
   * leaves no job `running`; then stops recording outcomes. (A crash leaves them running: the next start fails
   * them, see the constructor.)
   */
  close(): void {
    for (const [uuid, c] of this.controllers) {
      c.abort(new Error("the engine is shutting down"));
      this.finish(uuid, { status: "failed", error: { kind: "internal", message: SHUTDOWN_MESSAGE } });
    }
    this.closed = true;
    this.controllers.clear();
  }

  private finish(uuid: string, outcome: { status: "succeeded"; result: unknown } | { status: "failed"; error: JobError }): void {
    const job = this.jobs.get(uuid);
    if (!job) return;
    const base = {
      uuid: job.uuid,
      apiName: job.apiName,
      createDate: job.createDate,
      apiTimeoutMs: job.apiTimeoutMs,
      ...(job.node !== undefined ? { node: job.node } : {}),
      finishDate: this.clock.now(),
    };
    this.jobs.put(outcome.status === "succeeded" ? { ...base, status: "succeeded", result: outcome.result } : { ...base, status: "failed", error: outcome.error });
    this.finished.push(uuid);
    this.trimFinished();
  }

  private trimFinished(): void {
    // Uuids already forgotten by expiry are skipped on the way (delete of an absent job is harmless).
    while (this.finished.length > this.maxFinished) this.jobs.delete(this.finished.shift()!);
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
