import type { Cluster, HeldLease } from "../cluster/cluster.js";
import { forwardWrite } from "../cluster/write-forwarding.js";
import { BackgroundLoop } from "./background-loop.js";
import type { CdpTask } from "./cdp.js";
import { DomainError, type DomainErrorKind } from "./errors.js";
import type { Volume, WriteDelivery } from "./inventory.js";

/** The lease guarding one CDP task's journal. */
export function journalLease(taskUuid: string): string {
  return `cdp-task/${taskUuid}`;
}

/** A forwarded write reached a node that does not own the journal (any more): the sender looks again. */
export class NotJournalOwner extends DomainError {
  constructor(volumeUuid: string, taskUuid: string) {
    super("conflict", `this node does not own the journal of CDP task[uuid:${taskUuid}] protecting volume[uuid:${volumeUuid}]`);
  }
}

/** What ownership needs from the CDP service. */
export interface JournalHooks {
  /** The task protecting the volume's VM, when it journals (Enabled and not Failed). */
  journalingTaskOf(volume: Volume): CdpTask | undefined;
  /** Whether the task journals (Enabled and not Failed); false for a deleted task. */
  journals(taskUuid: string): boolean;
  /** Every task that exists. */
  taskUuids(): string[];
  /** Starts journaling the task here unless already scheduled (its lease is held). */
  adopt(taskUuid: string): void;
  /** Stops journaling the task here; resolves once its journal is closed. */
  drop(taskUuid: string): Promise<void>;
}

/**
 * Which node journals each CDP task: the holder of the task's lease (`journalLease`). The scheduler runs a task
 * only while holding it; writes to a protected volume that reach another node are forwarded to the holder (or,
 * when nobody holds it, this node takes it); an API call that reads or deletes a journal first takes the lease,
 * the holder handing it over. With other nodes (`cluster.shared`) a watch loop adopts tasks nobody journals — a
 * dead owner's, once its lease expired — and drops those no longer enabled.
 *
 * An acknowledged write is durable in the volume file (on storage every node sees) and was applied while the
 * writer held the lease: the next holder opens the journal and resynchronizes it with the volumes before cutting
 * a point, so the write is in every later recovery point.
 */
export class CdpOwnership {
  private readonly held = new Map<string, HeldLease>();
  private readonly acquiring = new Map<string, Promise<boolean>>();
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly cluster: Cluster,
    private readonly hooks: JournalHooks,
    private readonly refresh: () => Promise<void>,
  ) {
    this.loop = new BackgroundLoop("CDP ownership check", Math.floor(cluster.bounds.leaseMs / 3), () => this.watch());
  }

  /** Whether this node holds the task's lease now, taking it when nobody does. Never waits for another holder. */
  hold(taskUuid: string): Promise<boolean> {
    if (this.held.get(taskUuid)?.valid()) return Promise.resolve(true);
    const pending = this.acquiring.get(taskUuid);
    if (pending) return pending;
    const p = this.cluster
      .tryLease(journalLease(taskUuid), (reason) => this.lost(taskUuid, reason))
      .then((lease) => {
        if (!lease?.valid()) return false;
        this.held.set(taskUuid, lease);
        return true;
      })
      .finally(() => this.acquiring.delete(taskUuid));
    this.acquiring.set(taskUuid, p);
    return p;
  }

  /** Takes the task's lease, asking its holder to hand it over; rejects with a conflict when it is not had in time. */
  async take(taskUuid: string): Promise<void> {
    if (await this.hold(taskUuid)) return;
    try {
      this.held.set(taskUuid, await this.cluster.requestLease(journalLease(taskUuid), (reason) => this.lost(taskUuid, reason)));
    } catch (e) {
      throw new DomainError("conflict", `the journal of CDP task[uuid:${taskUuid}] is busy on another engine node: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Gives the task's lease back (its journal must be closed here already). */
  async release(taskUuid: string): Promise<void> {
    const lease = this.held.get(taskUuid);
    this.held.delete(taskUuid);
    await lease?.release();
  }

  /**
   * Runs `fn` (which opens or reads the task's journal) holding the task's lease; afterwards the task goes on
   * journaling here when it should, else the lease is given back. On the embedded engine, just `fn`.
   */
  async withJournal<T>(taskUuid: string, fn: () => Promise<T>): Promise<T> {
    if (!this.cluster.shared) return fn();
    await this.take(taskUuid);
    try {
      return await fn();
    } finally {
      if (this.hooks.journals(taskUuid)) this.hooks.adopt(taskUuid);
      else await this.release(taskUuid);
    }
  }

  /**
   * For `Inventory.deliverWritesThrough` (where other nodes may exist): a write to a volume of a journaling task
   * is applied here while this node holds the task's lease, else forwarded to the holder, else (nobody holds
   * it) this node takes it. Retried until it lands or `leaseMs × 3` passed (then a timeout: not acknowledged).
   */
  readonly deliver: WriteDelivery = async (volume, offset, data, writeHere, forwarded) => {
    const waitMs = this.cluster.bounds.leaseMs * 3;
    const deadline = performance.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const task = this.hooks.journalingTaskOf(volume);
      if (!task) return writeHere();
      let reason: string;
      const lease = this.held.get(task.uuid);
      if (lease?.valid()) {
        await writeHere();
        // Still held after the write: no other node can have opened the journal before the write was durable.
        if (lease.valid()) return;
        reason = "this node's lease ran out during the write";
      } else if (forwarded) {
        throw new NotJournalOwner(volume.uuid, task.uuid);
      } else {
        const elsewhere = await this.deliverElsewhere(task.uuid, volume.uuid, offset, data);
        if (elsewhere.kind === "written") return;
        if (elsewhere.kind === "taken") continue; // the next attempt writes here, holding the lease
        reason = elsewhere.reason;
      }
      if (performance.now() > deadline) {
        throw new DomainError("timeout", `the write to volume[uuid:${volume.uuid}] was not applied: no engine node could take it for CDP task[uuid:${task.uuid}] within ${waitMs / 1000} s (${reason})`);
      }
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** Math.min(attempt, 4), 500)));
    }
  };

  /** Forwards the write to the lease holder, or takes the lease when nobody holds it. */
  private async deliverElsewhere(taskUuid: string, volumeUuid: string, offset: number, data: Buffer): Promise<{ kind: "written" } | { kind: "taken" } | { kind: "wait"; reason: string }> {
    const wait = (reason: string) => ({ kind: "wait", reason }) as const;
    let holder;
    try {
      holder = await this.cluster.leaseHolder(journalLease(taskUuid));
    } catch (e) {
      return wait(`the cluster database did not answer: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!holder) {
      if (!(await this.hold(taskUuid).catch(() => false))) return wait("another node took the lease first");
      this.hooks.adopt(taskUuid);
      return { kind: "taken" };
    }
    if (holder.id === this.cluster.self.id) return wait("this node is handing the journal over");
    if (!holder.url) return wait(`node "${holder.id}" has not published its URL yet`);
    const out = await forwardWrite({
      baseUrl: holder.url,
      key: this.cluster.forwardingKey(),
      from: this.cluster.self.id,
      volumeUuid,
      offset,
      data,
      timeoutMs: Math.max(30_000, this.cluster.bounds.leaseMs * 2),
    });
    switch (out.kind) {
      case "written":
        return { kind: "written" };
      case "retry":
        return wait(out.reason);
      case "refused":
        throw new DomainError(kindOfStatus(out.status), `engine node "${holder.id}" (owner of the journal) refused the write: ${out.message}`);
    }
  }

  /** Starts adopting tasks nobody journals and dropping those that should not journal (only with other nodes). */
  start(): void {
    if (this.cluster.shared) this.loop.start();
  }

  /** One pass of the watch loop; returns the tasks adopted. */
  async watch(): Promise<string[]> {
    await this.refresh();
    for (const taskUuid of [...this.held.keys()]) {
      if (this.loop.isStopped || this.hooks.journals(taskUuid)) continue;
      await this.hooks.drop(taskUuid);
      await this.release(taskUuid);
    }
    const adopted: string[] = [];
    for (const taskUuid of this.hooks.taskUuids()) {
      if (this.loop.isStopped) break;
      if (!this.hooks.journals(taskUuid) || this.held.get(taskUuid)?.valid()) continue;
      if (await this.hold(taskUuid)) {
        this.hooks.adopt(taskUuid);
        adopted.push(taskUuid);
      }
    }
    return adopted;
  }

  /** Stops the watch loop (the leases go with the cluster's close, after the journals are closed). */
  close(): Promise<void> {
    return this.loop.stop();
  }

  private async lost(taskUuid: string, reason: string): Promise<void> {
    this.held.delete(taskUuid);
    if (this.loop.isStopped) return;
    console.error(`backplan engine: node "${this.cluster.self.id}" stops journaling CDP task ${taskUuid}: its lease is lost (${reason})`);
    await this.hooks.drop(taskUuid);
  }
}

function kindOfStatus(status: number): DomainErrorKind {
  if (status === 400 || status === 413) return "invalid_argument";
  if (status === 404) return "not_found";
  if (status === 401 || status === 403) return "permission_denied";
  return status === 409 ? "conflict" : "internal";
}
