import type { Cluster } from "../cluster/cluster.js";
import { BackgroundLoop } from "./background-loop.js";
import type { Jobs } from "./jobs.js";

/** Claim scope of failing one dead node's job (`claimUntilDone`: passed on if the failing node dies too). */
const FAILOVER_SCOPE = "job-failover";

/**
 * Work other than API jobs that a node records as in progress under its name (a CSBS checkpoint being taken),
 * for the sweep to fail once that node is dead.
 */
export interface OrphanableWork {
  /** The claim scope failing one item (one node fails each). */
  readonly scope: string;
  /** Items in progress on other nodes: their keys and nodes. */
  runningElsewhere(): { key: string; node: string }[];
  /** Fails the item if it is still in progress on `deadNode`; whether it did. Idempotent. */
  failOrphan(key: string, deadNode: string): boolean;
}

/**
 * Fails the API jobs of dead nodes, so no job stays `running` forever when its node is killed: each sweep reads
 * the jobs (after `refresh`, so other nodes' jobs are seen), asks the cluster which nodes are live, and fails
 * every running job of a node that is not, naming the node (`deadNodeMessage`). One node fails each job: the
 * claim is exactly-once among live nodes and passes on only when its claimer dies before finishing. Other work
 * recorded under a node's name (`watch`: CSBS checkpoints being taken) is swept the same way.
 *
 * Bound: a job of a node killed at time T is failed by T + deadAfterMs + sweep interval + the sweep's own time.
 */
export class JobFailover {
  private readonly loop: BackgroundLoop;
  private readonly work: OrphanableWork[];

  constructor(
    private readonly jobs: Jobs,
    private readonly cluster: Cluster,
    /** Brings the job records up to date with what other nodes wrote. */
    private readonly refresh: () => Promise<void>,
  ) {
    this.loop = new BackgroundLoop("job failover sweep", cluster.bounds.heartbeatMs, () => this.sweep());
    this.work = [{ scope: FAILOVER_SCOPE, runningElsewhere: () => jobs.runningElsewhere().map((j) => ({ key: j.uuid, node: j.node })), failOrphan: (key, node) => jobs.failOrphan(key, node) }];
  }

  /** Sweeps `work` too, the same way as the jobs. */
  watch(work: OrphanableWork): void {
    this.work.push(work);
  }

  /** Sweeps every heartbeat interval. Only where other nodes may exist. */
  start(): void {
    if (this.cluster.shared) this.loop.start();
  }

  close(): Promise<void> {
    return this.loop.stop();
  }

  /** One sweep; returns the keys (job uuids first) of what this node failed. */
  async sweep(): Promise<string[]> {
    await this.refresh();
    const candidates = this.work.flatMap((w) => w.runningElsewhere().map((c) => ({ ...c, work: w })));
    if (candidates.length === 0) return [];
    const live = new Set((await this.cluster.liveNodes()).map((n) => n.id));
    const failed: string[] = [];
    for (const { key, node, work } of candidates) {
      if (this.loop.isStopped) break;
      if (live.has(node)) continue;
      if (!(await this.cluster.claimUntilDone(work.scope, key))) continue;
      await this.refresh(); // the claim may be a takeover: another node may have finished it just before dying
      if (work.failOrphan(key, node)) failed.push(key);
      await this.cluster.completeClaim(work.scope, key);
    }
    return failed;
  }
}
