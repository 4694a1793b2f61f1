import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { formatInstanceAddress, toInstanceAddress, type InstanceAddress } from "./address.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { StateStorage } from "./backends/backend.js";
import { applyJournalChange, decodeJournal, encodeJournalLine, type JournalChange, type PendingCreate } from "./journal-format.js";
import { JournalFile } from "./journal-file.js";
import { goTimeRFC3339, LockError, whoAmI, type LockInfo, type LockOperation } from "./lock.js";
import type { StateStamp } from "./staleness.js";
import {
  State,
  StateError,
  type InstanceObject,
  type OutputValue,
  type RemoveInstanceOptions,
  type SetInstanceOptions,
} from "./state.js";
import { CachedV4Encoder, decodeStateV4 } from "./v4.js";

/**
 * The durable state session, written once over any backend's `StateStorage`: the stored state is the file of
 * record (Terraform v4); changes during a run go to a local journal, one fsync'd line each (O(size of the
 * change), not of the state), and are folded into the file of record (one `StateStorage.write`) on `close()` and
 * whenever the journal has grown past `foldRatio` of the last written state's size (at least `foldMinBytes`).
 * A fold rewrites the whole state, O(n); folding every fixed number of changes made an apply of n resources
 * O(n²) (n/2000 folds of O(n) each: 100k resources spent most of their time rewriting the file). Folding by
 * size makes every fold pay for itself with journal bytes already written, so the total written is O(n). The
 * timer fold (`foldIntervalMs`, keeping the file of record fresh for readers) likewise waits at least ten
 * times the last fold's duration, so folds take at most about a tenth of a long run. The local backend keeps
 * the journal beside its state file; a remote backend keeps it under `.terraform/` (the CLI chooses
 * `journalPath`).
 *
 * Durability contract: a promise returned by a change method (`setInstance`, `removeInstance`, `setOutput`,
 * `removeOutput`, `recordPendingCreate`, `clearPending`) resolves only once the change is on stable storage
 * (journal line fdatasync'd, or a fold acknowledged by the backend). Changes made together share one fsync
 * (group commit). A process killed at any moment loses no change whose promise had resolved: the next open
 * replays the journal (ignoring a torn last line) and folds it into the backend.
 *
 * A fold the backend refuses is retried (`writeAttempts`); when it still fails the state is saved to
 * `erroredPath` (Terraform's `errored.tfstate`) and the session fails with a message saying how to push it. The
 * journal is kept either way, so the next open replays it too.
 *
 * Pending creates ("intended id before create"): before asking a provider to create an object under an id the
 * client chooses, the apply engine calls `recordPendingCreate(addr, {id})` and waits for it. The entry lives in
 * the journal only (never in the v4 state, so Terraform compatibility holds) and survives folds. It is settled
 * by `setInstance`/`removeInstance` of the same address (current object) or by `clearPending(addr)` (the
 * provider said nothing was created). After a crash, `pending()` at open lists the creates whose outcome is
 * unknown: the engine asks the provider for an object with that id and adopts it (`setInstance`) or clears it.
 */

export interface SessionOptions {
  /** The journal file (local disk, fsync'd). */
  journalPath: string;
  /** Take the backend's lock (default true). `false` is `-lock=false`. */
  lock?: boolean;
  /** `-lock-timeout` in ms (default 0: fail at once when locked). */
  lockTimeoutMs?: number;
  operation?: LockOperation;
  /** Free text recorded in the lock's Info field. */
  info?: string;
  /** Version recorded in the lock. */
  version?: string;
  /** Where the state is described in lock info and messages (the local state file's path, `pg ...`). */
  where?: string;
  /** Also fold after this many journaled changes (default: no count limit; tests use small values). */
  foldEveryEntries?: number;
  /** Fold once the journal holds this fraction of the last written state's bytes (default 0.5). */
  foldRatio?: number;
  /** ... but never for less journal than this (default 4 MiB: small states fold on close or the timer). */
  foldMinBytes?: number;
  /** Fold this long after the first unfolded change (default 10 s). 0 disables the timer. */
  foldIntervalMs?: number;
  /** Tries per fold before giving up (default 3). */
  writeAttempts?: number;
  /** Where a state the backend refused is saved (`errored.tfstate`); none: not saved. */
  erroredPath?: string;
}

interface QueuedChange {
  seq: number;
  change: JournalChange;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Reads the state (journal replayed in memory, nothing written, no lock). Nothing stored: an empty state. */
export async function readStateWithJournal(storage: StateStorage, journalPath: string, where: string): Promise<{ state: State; pending: PendingCreate[] }> {
  const loaded = await load(storage, journalPath, where);
  return { state: loaded.state, pending: [...loaded.pending.values()] };
}

/** Opens a state for a run: takes the backend's lock, replays and folds a journal left by a crashed run. */
export async function openStateSession(storage: StateStorage, opts: SessionOptions): Promise<StateSession> {
  const where = opts.where ?? opts.journalPath.replace(/\.journal$/, "");
  const held = opts.lock === false ? undefined : await lockStorage(storage, newLockInfo(opts, where), opts.lockTimeoutMs ?? 0);
  try {
    const loaded = await load(storage, opts.journalPath, where);
    const session = new StateSession(storage, where, held, loaded, opts);
    if (loaded.journalFound) await session.fold();
    return session;
  } catch (e) {
    if (held) await storage.unlock(held.id).catch(() => undefined);
    throw e;
  }
}

/** The LockInfo a run records, Terraform's fields plus backplan's pid and host. */
export function newLockInfo(opts: Pick<SessionOptions, "operation" | "info" | "version">, where: string): LockInfo {
  return {
    ID: randomUUID(),
    Operation: opts.operation ?? "OperationTypeApply",
    Info: opts.info ?? "",
    Who: whoAmI(),
    Version: opts.version ?? "backplan",
    Created: goTimeRFC3339(new Date()),
    Path: where,
    Pid: process.pid,
    Host: hostname(),
  };
}

const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 1000;

/**
 * Takes `storage`'s lock, retrying with exponential backoff (25 ms doubling to 1 s) while another holder has it,
 * until `timeoutMs` has passed (`-lock-timeout`); then rethrows the backend's `LockError("held")`.
 */
export async function lockStorage(storage: StateStorage, info: LockInfo, timeoutMs: number): Promise<{ id: string; info: LockInfo }> {
  const deadline = Date.now() + timeoutMs;
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    try {
      return { id: await storage.lock(info), info };
    } catch (e) {
      if (!(e instanceof LockError) || e.kind !== "held" || Date.now() >= deadline) throw e;
    }
    await sleep(Math.min(backoff, Math.max(1, deadline - Date.now())));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Loaded {
  state: State;
  /** The serial of the stored state (the in-memory state may be ahead by the replayed journal). */
  fileSerial: number;
  /** Whether a state file with content was read, and its size in bytes (0 without one). */
  fileExists: boolean;
  fileBytes: number;
  pending: Map<string, PendingCreate>;
  lastSeq: number;
  journalFound: boolean;
  /** Whether the journal held changes not yet in the stored state. */
  replayedChanges: number;
}

async function load(storage: StateStorage, journalPath: string, where: string): Promise<Loaded> {
  const bytes = await storage.read();
  // A view of the bytes, not a copy (a second 100 MB buffer for a 100,000-resource state).
  const fileText = bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  // Terraform leaves an empty file behind in some failure modes; treat it as no state, as Terraform does.
  const fileExists = fileText !== undefined && fileText.trim() !== "";
  const fileBytes = bytes?.byteLength ?? 0;
  const state = fileExists ? decodeStateV4(fileText, where) : undefined;
  const journal = new JournalFile(journalPath);
  const journalText = await journal.read();
  const pending = new Map<string, PendingCreate>();
  if (journalText === undefined) {
    return { state: state ?? new State(), fileSerial: state?.serial ?? 0, fileExists, fileBytes, pending, lastSeq: 0, journalFound: false, replayedChanges: 0 };
  }
  const { entries } = decodeJournal(journalText, journal.path);
  const first = entries[0];
  const s = state ?? new State(first ? { lineage: first.lineage, serial: 0 } : {});
  const fileSerial = s.serial;
  let lastSeq = 0;
  let replayedChanges = 0;
  for (const e of entries) {
    if (e.lineage !== s.lineage) {
      throw new StateError(
        `${journal.path}: journal lineage ${e.lineage} does not match the state's lineage ${s.lineage} (${where}); ` +
          "the journal belongs to another state. Move it aside if that state is gone.",
      );
    }
    if (e.seq <= lastSeq) continue; // a duplicate can only repeat an applied change: skip it
    lastSeq = e.seq;
    if (e.baseSerial === fileSerial) {
      applyJournalChange(s, pending, e.change, e.seq);
      if (e.change.op !== "pending_create" && e.change.op !== "pending_clear") replayedChanges++;
    } else if (e.baseSerial === fileSerial - 1) {
      // A fold wrote the state and was killed before it reset the journal: the changes are in the state
      // already; only the pending-create bookkeeping is needed.
      applyJournalChange(new State({ lineage: s.lineage }), pending, e.change, e.seq);
    } else {
      throw new StateError(
        `${journal.path}: journal was written on top of serial ${e.baseSerial} but ${where} is at serial ${fileSerial}; ` +
          "the state was replaced after a crashed run. The journal's changes are NOT in the state: inspect it, then move it aside.",
      );
    }
  }
  if (replayedChanges > 0) s.serial = fileSerial + 1; // what the fold of these changes is written as
  return { state: s, fileSerial, fileExists, fileBytes, pending, lastSeq, journalFound: true, replayedChanges };
}

/** An open state: in-memory state plus the journal, the backend's lock held until `close()`. */
export class StateSession {
  readonly journalPath: string;
  private readonly state: State;
  private readonly pendingCreates: Map<string, PendingCreate>;
  private readonly journal: JournalFile;
  private fileSerial: number;
  private seq: number;
  private queue: QueuedChange[] = [];
  private io: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private unfolded = 0;
  /** Journal bytes written since the last fold, and the size of the state it would rewrite. */
  private unfoldedBytes = 0;
  private foldQueued = false;
  private stateBytes: number;
  private lastFoldMs = 0;
  private lastFoldEnd = Date.now();
  /** The in-memory state has changes the stored state lacks. */
  private dirty = false;
  /** The journal file holds lines beyond the unsettled pending creates (or a torn tail, or a stale base). */
  private journalDirty: boolean;
  private foldTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private fileExists: boolean;
  private journalWrites = 0;
  private journalLines = 0;
  private folds = 0;
  private closed = false;
  private readonly foldEveryEntries: number;
  private readonly foldRatio: number;
  private readonly foldMinBytes: number;
  private readonly foldIntervalMs: number;
  private readonly writeAttempts: number;
  private readonly erroredPath: string | undefined;
  /** Re-encodes only the resources changed since the last fold (a fold was O(state) CPU, now O(changes) + a copy). */
  private readonly encoder = new CachedV4Encoder();

  /** @internal use openStateSession */
  constructor(
    private readonly storage: StateStorage,
    /** Where the state lives, for messages (the local state file's path, `pg ...`). */
    readonly path: string,
    private readonly lock: { id: string; info: LockInfo } | undefined,
    loaded: Loaded,
    opts: SessionOptions,
  ) {
    this.journalPath = opts.journalPath;
    this.state = loaded.state;
    this.pendingCreates = loaded.pending;
    this.journal = new JournalFile(this.journalPath);
    this.fileSerial = loaded.fileSerial;
    this.fileExists = loaded.fileExists;
    this.seq = loaded.lastSeq;
    this.dirty = loaded.replayedChanges > 0;
    this.journalDirty = loaded.journalFound;
    this.foldEveryEntries = opts.foldEveryEntries ?? Infinity;
    this.foldRatio = opts.foldRatio ?? 0.5;
    this.foldMinBytes = opts.foldMinBytes ?? 4 * 2 ** 20;
    this.stateBytes = loaded.fileBytes;
    this.foldIntervalMs = opts.foldIntervalMs ?? 10_000;
    this.writeAttempts = Math.max(1, opts.writeAttempts ?? 3);
    this.erroredPath = opts.erroredPath;
  }

  get lineage(): string {
    return this.state.lineage;
  }

  /** Serial of the file of record on disk. */
  get serial(): number {
    return this.fileSerial;
  }

  /**
   * Lineage and serial of the file of record, for a plan to record and apply to check (`checkPlanStamp`).
   * Lineage is "" while there is no state file: a fresh state's lineage is only fixed by its first write.
   */
  stamp(): StateStamp {
    return { lineage: this.fileExists ? this.state.lineage : "", serial: this.fileSerial };
  }

  /** Counters for benchmarks and tests: journal writes (fsyncs), lines written, folds that wrote the state file. */
  stats(): { journalWrites: number; journalLines: number; folds: number } {
    return { journalWrites: this.journalWrites, journalLines: this.journalLines, folds: this.folds };
  }

  /** The lock this session holds (undefined with `lock: false`). */
  get lockInfo() {
    return this.lock?.info;
  }

  /** A deep copy of the current state (journal changes included). */
  snapshot(): State {
    return this.state.clone();
  }

  /**
   * The session's state itself, not a copy, for a planner that only reads it (copying 10,000 instances was a
   * sixth of a no-op plan). It changes with every later change through this session.
   */
  view(): State {
    return this.state;
  }

  getInstance(addr: string | InstanceAddress, opts: RemoveInstanceOptions = {}): InstanceObject | undefined {
    return this.state.getInstance(addr, opts);
  }

  /** The provider configuration string recorded for the instance's resource. */
  getProvider(addr: string | InstanceAddress): string | undefined {
    return this.state.getProvider(addr);
  }

  getOutput(name: string): OutputValue | undefined {
    return this.state.getOutput(name);
  }

  /** Every output, copied (without copying the resources, as `snapshot().outputs()` would). */
  outputs(): Record<string, OutputValue> {
    return this.state.outputs();
  }

  /** Creates that were recorded as about to happen and not yet settled (see the contract above). */
  pending(): PendingCreate[] {
    return [...this.pendingCreates.values()].map((p) => ({ ...p }));
  }

  /** The unsettled pending create of one address, if any (O(1); `pending()` copies the whole list). */
  pendingFor(addr: string | InstanceAddress): PendingCreate | undefined {
    const p = this.pendingCreates.get(formatInstanceAddress(toInstanceAddress(addr)));
    return p && { ...p };
  }

  /** Records the object of an instance; resolves once durable. Requires `provider` for a new resource. */
  setInstance(addr: string | InstanceAddress, obj: InstanceObject, opts: SetInstanceOptions = {}): Promise<void> {
    return this.change(() => {
      const a = formatInstanceAddress(toInstanceAddress(addr));
      const provider = opts.provider ?? this.state.getProvider(a);
      if (!provider) throw new StateError(`cannot add ${a} to state: no provider configuration given`);
      // A copy: the line is encoded at flush time, and the caller may reuse its object before then.
      return { op: "set", addr: a, provider, object: structuredClone(obj), ...(opts.deposed ? { deposed: opts.deposed } : {}) };
    });
  }

  /** Removes the current (or a deposed) object of an instance; resolves once durable. */
  removeInstance(addr: string | InstanceAddress, opts: RemoveInstanceOptions = {}): Promise<void> {
    return this.change(() => ({ op: "remove", addr: formatInstanceAddress(toInstanceAddress(addr)), ...(opts.deposed ? { deposed: opts.deposed } : {}) }));
  }

  setOutput(name: string, output: OutputValue): Promise<void> {
    return this.change(() => ({ op: "set_output", name, output: structuredClone(output) }));
  }

  removeOutput(name: string): Promise<void> {
    return this.change(() => ({ op: "remove_output", name }));
  }

  /** Records that `addr` is about to be created under the client-chosen `id`; resolves once durable. */
  recordPendingCreate(addr: string | InstanceAddress, p: { id: string; provider?: string }, now = new Date()): Promise<void> {
    return this.change(() => ({
      op: "pending_create",
      addr: formatInstanceAddress(toInstanceAddress(addr)),
      id: p.id,
      ...(p.provider ? { provider: p.provider } : {}),
      at: now.toISOString(),
    }));
  }

  /** Settles a pending create without recording an object (nothing was created). */
  clearPending(addr: string | InstanceAddress): Promise<void> {
    return this.change(() => ({ op: "pending_clear", addr: formatInstanceAddress(toInstanceAddress(addr)) }));
  }

  /** Replaces the whole state (e.g. after a refresh), keeping lineage; written at once as one fold. */
  async replaceState(next: State): Promise<void> {
    this.assertUsable();
    this.state.assign(next);
    this.dirty = true;
    await this.fold();
  }

  /** Records check results (written with the next fold; not journaled: they are recomputed by every run). */
  setCheckResults(results: Parameters<State["setCheckResults"]>[0]): void {
    this.assertUsable();
    this.state.setCheckResults(results);
    this.dirty = true;
  }

  /**
   * Writes the file of record with every change so far (serial + 1, previous file kept as the backup on the
   * first write of the session) and resets the journal to just the unsettled pending creates. A no-op when
   * nothing changed since the last fold.
   */
  async fold(): Promise<void> {
    this.assertUsable();
    await this.serialized(() => this.foldNow());
  }

  /** Folds what is left, releases the lock. The session cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.failure) await this.fold();
      await this.io;
    } finally {
      this.closed = true;
      clearTimeout(this.foldTimer);
      await this.journal.close();
      if (this.lock) await this.storage.unlock(this.lock.id);
    }
    if (this.failure) throw this.failure;
  }

  /**
   * Applies a change in memory at once (so reads see it and a fold covers it) and queues its journal line.
   * The in-memory effect goes through the same function replay uses, so replay rebuilds exactly this state.
   */
  private change(make: () => JournalChange): Promise<void> {
    try {
      this.assertUsable();
      const change = make();
      const seq = this.seq + 1;
      applyJournalChange(this.state, this.pendingCreates, change, seq);
      this.seq = seq;
      if (change.op !== "pending_create" && change.op !== "pending_clear") this.dirty = true;
      return new Promise<void>((resolve, reject) => {
        this.queue.push({ seq, change, resolve, reject });
        this.scheduleFlush();
      });
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    void this.serialized(() => this.flush()).catch(() => undefined);
  }

  /** Runs `task` after every earlier I/O task; a failure poisons the session (later calls reject with it). */
  private serialized(task: () => Promise<void>): Promise<void> {
    const run = this.io.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await task();
      } catch (e) {
        this.fail(e as Error);
        throw e;
      }
    });
    this.io = run.catch(() => undefined);
    return run;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const lineage = this.state.lineage;
    let text: string;
    try {
      text = batch.map((q) => encodeJournalLine({ seq: q.seq, lineage, baseSerial: this.fileSerial, change: q.change })).join("");
      await this.journal.append(text);
    } catch (e) {
      for (const q of batch) q.reject(e as Error);
      throw e;
    }
    for (const q of batch) q.resolve();
    this.journalWrites++;
    this.journalLines += batch.length;
    this.journalDirty = true;
    this.unfolded += batch.length;
    this.unfoldedBytes += Buffer.byteLength(text, "utf8");
    const due = this.unfolded >= this.foldEveryEntries || this.unfoldedBytes >= Math.max(this.foldMinBytes, this.foldRatio * this.stateBytes);
    if (due && !this.foldQueued) {
      // One queued fold at a time: flushes that run before it would otherwise each queue another whole rewrite.
      this.foldQueued = true;
      void this.serialized(() => this.foldNow()).catch(() => undefined);
    } else if (!due && this.foldIntervalMs > 0 && !this.foldTimer) this.armFoldTimer();
  }

  /** The timer fold: `foldIntervalMs` after the first unfolded change, and no sooner than 10× the last fold's duration after it. */
  private armFoldTimer(): void {
    const earliest = this.lastFoldEnd + 10 * this.lastFoldMs;
    const delay = Math.max(this.foldIntervalMs, earliest - Date.now());
    this.foldTimer = setTimeout(() => {
      this.foldTimer = undefined;
      if (!this.closed && !this.failure) void this.serialized(() => this.foldNow()).catch(() => undefined);
    }, delay);
    this.foldTimer.unref();
  }

  private async foldNow(): Promise<void> {
    // Everything queued so far is already applied to `this.state`, so the snapshot below covers it: those
    // changes become durable with the state file and need no journal line.
    const covered = this.queue.splice(0);
    this.flushScheduled = false;
    this.foldQueued = false;
    if (!this.dirty && covered.length === 0 && !this.journalDirty) return;
    const t0 = Date.now();
    try {
      if (this.dirty) {
        const next = this.fileSerial + 1;
        this.state.serial = next;
        const bytes = this.encoder.encode(this.state);
        await this.persist(bytes);
        this.fileSerial = next;
        this.fileExists = true;
        this.stateBytes = bytes.length;
        this.folds++;
      }
      await this.resetJournal();
    } catch (e) {
      for (const q of covered) q.reject(e as Error);
      throw e;
    }
    this.dirty = false;
    this.unfolded = 0;
    this.unfoldedBytes = 0;
    this.lastFoldEnd = Date.now();
    this.lastFoldMs = this.lastFoldEnd - t0;
    clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    for (const q of covered) q.resolve();
  }

  /** The journal after a fold: only the unsettled pending creates, on top of the new serial; or no file. */
  private async resetJournal(): Promise<void> {
    const lines = [...this.pendingCreates.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((p) =>
        encodeJournalLine({
          seq: p.seq,
          lineage: this.state.lineage,
          baseSerial: this.fileSerial,
          change: { op: "pending_create", addr: p.address, id: p.id, ...(p.provider ? { provider: p.provider } : {}), at: p.recordedAt },
        }),
      );
    await this.journal.replace(lines.join(""));
    this.journalDirty = false;
  }

  /** Writes the state to the backend, retrying; then saves it to `erroredPath` and fails with how to push it. */
  private async persist(bytes: Buffer): Promise<void> {
    let last: Error | undefined;
    for (let attempt = 1; attempt <= this.writeAttempts; attempt++) {
      try {
        await this.storage.write(bytes);
        return;
      } catch (e) {
        last = e as Error;
        if (attempt < this.writeAttempts) await sleep(200 * 2 ** (attempt - 1));
      }
    }
    let saved = "";
    if (this.erroredPath) {
      try {
        await writeFileAtomic(this.erroredPath, bytes);
        saved =
          `\n\nTo allow for recovery, the state has been written to the file "${this.erroredPath}". Running "backplan apply" ` +
          "again at this point will create a forked state, making it harder to recover.\n\nTo retry writing this state, use the following command:\n" +
          `    backplan state push ${this.erroredPath}`;
      } catch (e) {
        saved = `\n\nThe state could not be saved to ${this.erroredPath} either (${(e as Error).message}); the journal ${this.journalPath} still holds every change.`;
      }
    }
    throw new StateError(
      `Failed to persist state to backend (${this.path}) after ${this.writeAttempts} attempts: ${last?.message ?? "unknown error"}` +
        `\n\nThe error shown above has prevented backplan from writing the updated state to the configured backend.${saved}`,
    );
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    for (const q of this.queue.splice(0)) q.reject(e);
  }

  private assertUsable(): void {
    if (this.closed) throw new StateError(`state ${this.path} is closed`);
    if (this.failure) throw this.failure;
  }
}
