import { CdpJournal, type CdpJournalOptions, type CdpVolume, type CdpWrite, type RecoveryPoint } from "./cdp-journal.js";
import { rm } from "node:fs/promises";
import { readdirOrEmpty } from "./durable-file.js";
import { StorageError } from "./errors.js";
import { collectGarbage } from "./gc.js";
import { layout } from "./layout.js";

export interface CdpJournalsOptions extends CdpJournalOptions {
  /** Told when a routed write could not be appended (the task's journal is then missing that write). */
  onError?: (taskId: string, error: unknown) => void;
}

/**
 * The open CDP journals of one engine, and the routing of volume writes to them. Feed `onWrite` to
 * `Inventory.onWrite`; `protect` a task's volumes when it starts (or resumes after a restart), `release` it when
 * it stops, `destroy` it when it is deleted, `close` everything at shutdown.
 */
export class CdpJournals {
  private readonly journals = new Map<string, CdpJournal>();
  private readonly routes = new Map<string, CdpJournal>();
  private readonly opening = new Map<string, Promise<ProtectResult>>();

  constructor(private readonly opts: CdpJournalsOptions = {}) {}

  /**
   * Routes the volumes' writes to the task's journal, opening it (recovering a crash) or, the first time,
   * starting it with a base copy; `first` is then the first recovery point. A volume is journaled by one task at
   * a time. Idempotent: a second call for an open task returns it.
   */
  protect(storageDir: string, taskId: string, volumes: CdpVolume[]): Promise<ProtectResult> {
    const open = this.journals.get(taskId);
    if (open) return Promise.resolve({ journal: open });
    const pending = this.opening.get(taskId);
    if (pending) return pending;
    for (const v of volumes) {
      const other = this.routes.get(v.uuid);
      if (other && other.taskId !== taskId) {
        return Promise.reject(new StorageError("invalid_argument", `volume ${v.uuid} is already journaled by CDP task ${other.taskId}`, "volumes"));
      }
    }
    const p = (async (): Promise<ProtectResult> => {
      const journal = await CdpJournal.open(storageDir, taskId, this.opts);
      // Routed before the base copy starts: writes racing it are appended and replayed on top of it.
      for (const v of volumes) this.routes.set(v.uuid, journal);
      try {
        const first = journal.started ? undefined : await journal.start(volumes);
        this.journals.set(taskId, journal);
        return first ? { journal, first } : { journal };
      } catch (e) {
        for (const v of volumes) if (this.routes.get(v.uuid) === journal) this.routes.delete(v.uuid);
        await journal.close().catch(() => undefined);
        throw e;
      }
    })().finally(() => this.opening.delete(taskId));
    this.opening.set(taskId, p);
    return p;
  }

  /** The open journal of a task, if any. */
  get(taskId: string): CdpJournal | undefined {
    return this.journals.get(taskId);
  }

  /** For `Inventory.onWrite`: appends writes of protected volumes to their journal. Never throws. */
  readonly onWrite = (w: CdpWrite): void => {
    const journal = this.routes.get(w.volumeUuid);
    if (!journal) return;
    journal.append(w).catch((e: unknown) => this.opts.onError?.(journal.taskId, e));
  };

  /** Stops routing the task's writes and closes its journal (its data stays; `protect` reopens it). */
  async release(taskId: string): Promise<void> {
    await this.opening.get(taskId)?.catch(() => undefined);
    const journal = this.journals.get(taskId);
    if (!journal) return;
    this.unroute(journal);
    this.journals.delete(taskId);
    await journal.close();
  }

  /** Deletes the task's journal and base copies (opening it first if needed). */
  async destroy(storageDir: string, taskId: string): Promise<void> {
    await this.opening.get(taskId)?.catch(() => undefined);
    const journal = this.journals.get(taskId) ?? (await CdpJournal.open(storageDir, taskId, this.opts));
    this.unroute(journal);
    this.journals.delete(taskId);
    await journal.destroy();
  }

  /**
   * Removes the journals of tasks that no longer exist and collects their chunks. A task delete records the
   * delete first and removes the journal after it, so a crash in between leaves such a journal behind (never a
   * listed task without its journal). Returns the task ids whose journals were removed.
   */
  async sweepOrphans(storageDir: string, owned: ReadonlySet<string>): Promise<string[]> {
    const orphans = (await readdirOrEmpty(layout.cdpRoot(storageDir))).filter((id) => !owned.has(id) && !this.journals.has(id) && !this.opening.has(id));
    for (const id of orphans) await rm(layout.cdpTask(storageDir, id), { recursive: true, force: true });
    if (orphans.length > 0) await collectGarbage(storageDir);
    return orphans;
  }

  /**
   * Removes task `taskId`'s journal when the task no longer exists and the journal is not open here (an engine
   * node that died between a task delete's records and its journal left it), and collects its chunks. The caller
   * holds the task's lease, so no other node has it open either. Returns whether there was one.
   */
  async removeOrphan(storageDir: string, taskId: string): Promise<boolean> {
    if (this.journals.has(taskId) || this.opening.has(taskId)) return false;
    if ((await readdirOrEmpty(layout.cdpRoot(storageDir))).every((id) => id !== taskId)) return false;
    await rm(layout.cdpTask(storageDir, taskId), { recursive: true, force: true });
    await collectGarbage(storageDir);
    return true;
  }

  /** Closes every journal (appended writes become durable). */
  async close(): Promise<void> {
    await Promise.all([...this.opening.values()].map((p) => p.catch(() => undefined)));
    const all = [...this.journals.values()];
    this.journals.clear();
    this.routes.clear();
    await Promise.all(all.map((j) => j.close()));
  }

  private unroute(journal: CdpJournal): void {
    for (const [uuid, j] of this.routes) if (j === journal) this.routes.delete(uuid);
  }
}

export interface ProtectResult {
  journal: CdpJournal;
  /** Set when this call started the journal: its first recovery point. */
  first?: RecoveryPoint;
}
