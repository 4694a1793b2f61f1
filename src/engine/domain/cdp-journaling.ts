import { open, rm } from "node:fs/promises";
import { CdpJournal, type CdpJournalOptions, type CdpVolume, type CdpWrite, type RecoveryPoint as JournalPoint } from "../storage/cdp-journal.js";
import { CdpJournals } from "../storage/cdp-journals.js";
import type { Clock } from "./clock.js";
import type { Inventory } from "./inventory.js";

/** What one cut covered: the journal's point, the RPO lag and the bytes journaled per volume since the last cut. */
export interface JournalCut {
  point: JournalPoint;
  /** Milliseconds from the oldest write not covered by the previous point to this point (0 when none). */
  latencyMs: number;
  bytesByVolume: ReadonlyMap<string, number>;
}

interface Pending {
  firstWriteAt?: number;
  bytes: Map<string, number>;
}

/** Bytes compared at a time when a reopened journal is brought up to date with its volumes. */
const RESYNC_BLOCK = 1024 * 1024;

/**
 * The CDP tasks' journals as the domain sees them: every write to a volume of a journaling task goes into that
 * task's `CdpJournal` (routed by `CdpJournals`), and the writes not yet covered by a point are counted here so a
 * cut can report its real lag. One instance per engine; `close` at shutdown.
 */
export class CdpJournaling {
  private readonly journals: CdpJournals;
  private readonly pending = new Map<string, Pending>();
  private readonly taskOfVolume = new Map<string, string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly inventory: Inventory,
    private readonly clock: Clock,
    onError: (taskUuid: string, error: unknown) => void,
    opts: CdpJournalOptions = {},
  ) {
    this.journals = new CdpJournals({ ...opts, onError });
    // Routing first, counting second: both run synchronously inside the write's emit.
    this.unsubscribe.push(inventory.onWrite(this.journals.onWrite));
    this.unsubscribe.push(
      inventory.onWrite((w) => {
        const task = this.taskOfVolume.get(w.volumeUuid);
        if (!task) return;
        const p = this.pendingOf(task);
        p.firstWriteAt ??= this.clock.now();
        p.bytes.set(w.volumeUuid, (p.bytes.get(w.volumeUuid) ?? 0) + w.data.length);
      }),
    );
  }

  /** Whether the task's writes are being journaled. */
  isJournaling(taskUuid: string): boolean {
    return this.journals.get(taskUuid) !== undefined;
  }

  /**
   * Starts journaling the volumes' writes. The first time, the journal takes a base copy and `first` is its
   * recovery point. When the journal already exists (restart, enable after disable or failure) the volumes may
   * hold writes it never saw: they are compared with the journal's newest state and every difference is
   * appended, so the next point equals the volumes again (no point is listed for the intermediate state).
   */
  async protect(taskUuid: string, storageDir: string, volumes: CdpVolume[]): Promise<{ first?: JournalPoint }> {
    for (const v of volumes) this.taskOfVolume.set(v.uuid, taskUuid);
    const startedAt = this.clock.now();
    try {
      const { journal, first } = await this.journals.protect(storageDir, taskUuid, volumes);
      if (first) {
        this.pending.delete(taskUuid);
        return { first: { groupId: first.groupId, timestamp: Math.max(first.timestamp, startedAt) } };
      }
      await this.resync(journal, volumes);
      return {};
    } catch (e) {
      this.forget(taskUuid);
      await this.journals.release(taskUuid).catch(() => undefined);
      throw e;
    }
  }

  /** Cuts a recovery point covering every write made before this call. */
  async cut(taskUuid: string): Promise<JournalCut> {
    const journal = this.require(taskUuid);
    // Taken in the same tick as the cut is queued: exactly the writes this point covers.
    const p = this.pending.get(taskUuid);
    this.pending.delete(taskUuid);
    const point = await journal.cutRecoveryPoint();
    const latencyMs = p?.firstWriteAt !== undefined ? Math.max(0, point.timestamp - p.firstWriteAt) : 0;
    return { point, latencyMs, bytesByVolume: p?.bytes ?? new Map() };
  }

  /**
   * Real bytes the task uses; when above `maxBytes` (> 0) the oldest journal segments are merged into the base
   * first (`onMerge` is told before). Returns the capacity reached and the points still restorable.
   */
  async enforceCapacity(taskUuid: string, maxBytes: number, onMerge: () => void): Promise<{ used: number; restorable: JournalPoint[] }> {
    const journal = this.require(taskUuid);
    let used = await journal.usedCapacity();
    if (maxBytes > 0 && used > maxBytes) {
      onMerge();
      used = await journal.enforceCapacity(maxBytes);
    }
    return { used, restorable: journal.recoveryPoints() };
  }

  /** Retention: only the points in `keep` stay restorable. */
  prune(taskUuid: string, keep: readonly number[]): Promise<JournalPoint[]> {
    return this.require(taskUuid).prune(keep);
  }

  /**
   * Writes the bytes `volumeUuid` had at point `groupId` to `destPath`. A task that is not journaling (disabled,
   * failed) has its journal opened for the time of the call.
   */
  async materialize(taskUuid: string, storageDir: string, groupId: number, volumeUuid: string, destPath: string): Promise<void> {
    const live = this.journals.get(taskUuid);
    if (live) return live.materialize(groupId, volumeUuid, destPath);
    const journal = await CdpJournal.open(storageDir, taskUuid);
    try {
      await journal.materialize(groupId, volumeUuid, destPath);
    } finally {
      await journal.close();
    }
  }

  /** The groupIds the task's journal can restore (its journal opened for the time of the call when not journaling). */
  async restorable(taskUuid: string, storageDir: string): Promise<number[]> {
    const live = this.journals.get(taskUuid);
    if (live) return live.recoveryPoints().map((p) => p.groupId);
    const journal = await CdpJournal.open(storageDir, taskUuid);
    try {
      return journal.started ? journal.recoveryPoints().map((p) => p.groupId) : [];
    } finally {
      await journal.close();
    }
  }

  /** Stops journaling the task (its journal stays on disk). */
  async release(taskUuid: string): Promise<void> {
    this.forget(taskUuid);
    await this.journals.release(taskUuid);
  }

  /** Deletes the task's journal and base copies. */
  async destroy(taskUuid: string, storageDir: string): Promise<void> {
    this.forget(taskUuid);
    await this.journals.destroy(storageDir, taskUuid);
  }

  /** See CdpJournals.removeOrphan. */
  removeOrphan(storageDir: string, taskUuid: string): Promise<boolean> {
    return this.journals.removeOrphan(storageDir, taskUuid);
  }

  /** See CdpJournals.sweepOrphans. */
  sweepOrphans(storageDir: string, owned: ReadonlySet<string>): Promise<string[]> {
    return this.journals.sweepOrphans(storageDir, owned);
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.taskOfVolume.clear();
    await this.journals.close();
  }

  private async resync(journal: CdpJournal, volumes: CdpVolume[]): Promise<void> {
    const uuids = new Set(volumes.map((v) => v.uuid));
    // Every write from here on is also replayed after the differences: whatever a difference read raced, the
    // last write to each byte ends up last in the journal.
    const raced: CdpWrite[] = [];
    const off = this.inventory.onWrite((w) => {
      if (uuids.has(w.volumeUuid)) raced.push(w);
    });
    let diffs: CdpWrite[] = [];
    let cutId: number;
    try {
      cutId = (await journal.cutRecoveryPoint()).groupId;
      for (const v of volumes) diffs = diffs.concat(await this.differences(journal, cutId, v));
    } finally {
      off();
    }
    await Promise.all([...diffs, ...raced].map((w) => journal.append(w)));
    const task = this.taskOfVolume.get(volumes[0]?.uuid ?? "");
    if (task && diffs.length) {
      const p = this.pendingOf(task);
      p.firstWriteAt ??= this.clock.now();
      for (const d of diffs) p.bytes.set(d.volumeUuid, (p.bytes.get(d.volumeUuid) ?? 0) + d.data.length);
    }
    await journal.prune(journal.recoveryPoints().map((p) => p.groupId).filter((g) => g !== cutId));
  }

  /** The regions where the volume's file differs from the journal's point `groupId`. */
  private async differences(journal: CdpJournal, groupId: number, v: CdpVolume): Promise<CdpWrite[]> {
    const tmp = `${v.path}.cdp-resync-${process.pid}`;
    const out: CdpWrite[] = [];
    try {
      await journal.materialize(groupId, v.uuid, tmp);
      const a = await open(tmp, "r");
      const b = await open(v.path, "r");
      try {
        for (let offset = 0; offset < v.size; offset += RESYNC_BLOCK) {
          const n = Math.min(RESYNC_BLOCK, v.size - offset);
          const was = Buffer.alloc(n);
          const now = Buffer.alloc(n);
          await a.read(was, 0, n, offset);
          await b.read(now, 0, n, offset);
          if (!was.equals(now)) out.push({ volumeUuid: v.uuid, offset, data: now });
        }
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await rm(tmp, { force: true });
    }
    return out;
  }

  private pendingOf(taskUuid: string): Pending {
    let p = this.pending.get(taskUuid);
    if (!p) this.pending.set(taskUuid, (p = { bytes: new Map() }));
    return p;
  }

  private forget(taskUuid: string): void {
    for (const [vol, t] of this.taskOfVolume) if (t === taskUuid) this.taskOfVolume.delete(vol);
    this.pending.delete(taskUuid);
  }

  private require(taskUuid: string): CdpJournal {
    const j = this.journals.get(taskUuid);
    if (!j) throw new Error(`CDP task[uuid:${taskUuid}] is not journaling`);
    return j;
  }
}
