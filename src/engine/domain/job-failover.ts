import type { Cluster } from "../cluster/cluster.js";
import { BackgroundLoop } from "./background-loop.js";
import type { Jobs } from "./jobs.js";

/** Claim scope of failing one dead node's job (`claimUntilDone`: passed on if the failing node dies too). */
const FAILOVER_SCOPE = "job-failover";

/**
 * Fails the API jobs of dead nodes, so no job stays `running` forever when its node is killed: each sweep reads
 * the jobs (after `refresh`, so other nodes' jobs are seen), asks the cluster which nodes are live, and fails
 * every running job of a node that is not, naming the node (`deadNodeMessage`). One node fails each job: the
 * claim is exactly-once among live nodes and passes on only when its claimer dies before finishing.
 *
 * Bound: a job of a node killed at time T is failed by T + deadAfterMs + sweep interval + the sweep's own time.
 */
export class JobFailover {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly jobs: Jobs,
    private readonly cluster: Cluster,
    /** Brings the job records up to date with what other nodes wrote. */
    private readonly refresh: () => Promise<void>,
  ) {
    this.loop = new BackgroundLoop("job failover sweep", cluster.bounds.heartbeatMs, () => this.sweep());
  }

  /** Sweeps every heartbeat interval. Only where other nodes may exist. */
  start(): void {
    if (this.cluster.shared) this.loop.start();
  }

  close(): Promise<void> {
    return this.loop.stop();
  }

  /** One sweep; returns the uuids of the jobs this node failed. */
  async sweep(): Promise<string[]> {
    await this.refresh();
    const candidates = this.jobs.runningElsewhere();
    if (candidates.length === 0) return [];
    const live = new Set((await this.cluster.liveNodes()).map((n) => n.id));
    const failed: string[] = [];
    for (const job of candidates) {
      if (this.loop.isStopped) break;
      if (live.has(job.node)) continue;
      if (!(await this.cluster.claimUntilDone(FAILOVER_SCOPE, job.uuid))) continue;
      await this.refresh(); // the claim may be a takeover: another node may have finished it just before dying
      if (this.jobs.failOrphan(job.uuid, job.node)) failed.push(job.uuid);
      await this.cluster.completeClaim(FAILOVER_SCOPE, job.uuid);
    }
    return failed;
  }
}
