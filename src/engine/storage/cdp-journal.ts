import { mkdir, open, readFile, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ChunkBackend } from "./chunk-backend.js";
import { chunkBackendFor } from "./chunk-backends.js";
import { coordinationFor } from "./coordination-binding.js";
import { chunkHash } from "./chunk-store.js";
import { DEFAULT_CHUNK_SIZE } from "./chunk-backup-store.js";
import { fsyncDir, readdirOrEmpty, writeFileDurable } from "./durable-file.js";
import { StorageError, checkName } from "./errors.js";
import { collectGarbage, loadManifest } from "./gc.js";
import { decodeRecords, encodeRecord, type DecodedRecord } from "./journal-record.js";
import { layout } from "./layout.js";
import { MANIFEST_FORMAT, chunkLength, encodeManifest, type VolumeManifest } from "./manifest.js";
import { captureVolume, materializeChunks } from "./volume-chunker.js";

/** A volume a CDP task protects: its live file and size. */
export interface CdpVolume {
  uuid: string;
  path: string;
  size: number;
}

/** One write to a protected volume, as the Inventory emits it. */
export interface CdpWrite {
  volumeUuid: string;
  offset: number;
  data: Buffer;
}

export interface RecoveryPoint {
  groupId: number;
  /** Epoch milliseconds when the point was cut. */
  timestamp: number;
}

export interface CdpJournalOptions {
  /** Chunk size of base copies. */
  chunkSize?: number;
  /** A segment is sealed (and becomes mergeable) at the first recovery point after it reaches this size. */
  segmentBytes?: number;
  /** Appended records are fsync'd at most this long after they were written (0: only at points and flush). */
  syncIntervalMs?: number;
  now?: () => number;
}

const stateSchema = z.object({
  format: z.literal("backplan-cdp/1"),
  taskId: z.string(),
  volumes: z.array(z.object({ uuid: z.string(), size: z.number().int().nonnegative() })),
  baseGeneration: z.number().int().nonnegative(),
  basePoint: z.object({ groupId: z.number().int().positive(), timestamp: z.number() }).nullable(),
  firstSegment: z.number().int().positive(),
  pruned: z.array(z.number().int().positive()),
});
type CdpState = z.infer<typeof stateSchema>;

interface Segment {
  seq: number;
  size: number;
}

interface PointIndex extends RecoveryPoint {
  seq: number;
  /** Offset just past the point's record in its segment. */
  end: number;
}

const segName = (seq: number) => `${String(seq).padStart(10, "0")}.log`;

/**
 * The continuous-data-protection journal of one CDP task, inside a backup storage:
 *
 *   cdp/<task>/state.json             the commit point: base generation, base point, first live segment, pruned
 *   cdp/<task>/base-<gen>/<vol>.json  base copy of each volume as a chunk manifest (chunks shared with backups)
 *   cdp/<task>/journal/<seq>.log      framed, crc-checked write and point records (see journal-record.ts)
 *
 * Writes are appended in order and fsync'd in batches; a recovery point is cut only after every record before
 * it is durable, and its own record is fsync'd before its groupId is returned. A crash can tear only the tail
 * of the last segment, which `open` detects by crc and truncates. Merges and retention switch generations by
 * rewriting state.json atomically, so a crash leaves either the old or the new base, never a mix.
 */
export class CdpJournal {
  private state: CdpState | undefined;
  private segments: Segment[] = [];
  private points: PointIndex[] = [];
  private fh: FileHandle | undefined;
  private pos = 0;
  private nextGroupId = 1;
  private lastWasPoint = true;
  private unsynced = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private maintenance: Promise<unknown> = Promise.resolve();
  private readonly chunkSize: number;
  private readonly segmentBytes: number;
  private readonly syncIntervalMs: number;
  private readonly now: () => number;
  private readonly volumes = new Map<string, number>();
  private closed = false;
  private starting = false;

  private constructor(
    readonly storageDir: string,
    readonly taskId: string,
    opts: CdpJournalOptions,
  ) {
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.syncIntervalMs = opts.syncIntervalMs ?? 20;
    this.now = opts.now ?? Date.now;
  }

  private get dir(): string {
    return layout.cdpTask(this.storageDir, this.taskId);
  }
  private get journalDir(): string {
    return join(this.dir, "journal");
  }
  private baseDir(gen: number): string {
    return join(this.dir, `base-${gen}`);
  }
  private chunks(): Promise<ChunkBackend> {
    return chunkBackendFor(this.storageDir);
  }

  /**
   * Opens the journal of `taskId` in `storageDir`, recovering from a crash: a torn tail is truncated, files of
   * an uncommitted merge or start are removed. A task that was never started (or whose start did not finish)
   * opens empty; call `start`.
   */
  static async open(storageDir: string, taskId: string, opts: CdpJournalOptions = {}): Promise<CdpJournal> {
    const j = new CdpJournal(storageDir, checkName("taskId", taskId), opts);
    await j.recover();
    return j;
  }

  /** Whether `start` has completed (now or in an earlier process). */
  get started(): boolean {
    return this.state !== undefined;
  }

  /**
   * Takes the base copy of `volumes` and cuts the first recovery point, which it returns. Call `append` for
   * every write from the moment `start` is called: writes racing the base copy are replayed on top of it, so
   * the first point is consistent whichever way the race went.
   */
  async start(volumes: CdpVolume[]): Promise<RecoveryPoint> {
    if (this.state || this.starting) throw new StorageError("invalid_argument", `CDP task ${this.taskId} is already started`, "taskId");
    if (volumes.length === 0) throw new StorageError("invalid_argument", "a CDP task needs at least one volume", "volumes");
    for (const v of volumes) {
      checkName("volumes.uuid", v.uuid);
      if (!Number.isSafeInteger(v.size) || v.size < 0) throw new StorageError("invalid_argument", `volume ${v.uuid} size ${v.size} is not a byte count`, "volumes.size");
    }
    this.starting = true;
    for (const v of volumes) this.volumes.set(v.uuid, v.size);
    // Queued before the first await, so appends made right after calling start land after the segment opens.
    const opening = this.enqueue(async () => {
      await mkdir(this.journalDir, { recursive: true });
      await this.openSegment(1);
    });
    try {
      await opening;
      const base = this.baseDir(0);
      await mkdir(base, { recursive: true });
      const store = await this.chunks();
      await store.prepare();
      await (await coordinationFor(this.storageDir)).lock(this.storageDir).shared(async (hold) => {
        for (const v of volumes) {
          const batch = store.batch();
          const cap = await captureVolume(store, batch, { sourcePath: v.path, size: v.size, chunkSize: this.chunkSize });
          await batch.commit();
          await hold.confirm();
          await writeFileDurable(join(base, `${v.uuid}.json`), encodeManifest(this.manifestFor(v.uuid, 0, v.size, cap.chunks, cap.storedSize)));
        }
      });
      await fsyncDir(this.dir);
      await this.saveState({
        format: "backplan-cdp/1",
        taskId: this.taskId,
        volumes: volumes.map((v) => ({ uuid: v.uuid, size: v.size })),
        baseGeneration: 0,
        basePoint: null,
        firstSegment: 1,
        pruned: [],
      });
    } catch (e) {
      // Nothing of a failed start stays: the task is as if start was never called (and may be started again).
      await this.enqueue(async () => {
        await this.fh?.close();
        this.fh = undefined;
      }).catch(() => undefined);
      this.segments = [];
      this.points = [];
      this.volumes.clear();
      for (const n of await readdirOrEmpty(this.dir)) await rm(join(this.dir, n), { recursive: true, force: true });
      throw e;
    } finally {
      this.starting = false;
    }
    return this.cutRecoveryPoint();
  }

  /**
   * Appends one write. Resolves once the record is written (in order after every earlier append); it becomes
   * durable within `syncIntervalMs`, and certainly before the next recovery point is cut.
   */
  append(w: CdpWrite): Promise<void> {
    const size = this.volumes.get(w.volumeUuid);
    if (size === undefined) return Promise.reject(new StorageError("invalid_argument", `volume ${w.volumeUuid} is not protected by CDP task ${this.taskId}`, "volumeUuid"));
    if (!Number.isSafeInteger(w.offset) || w.offset < 0 || w.offset + w.data.length > size) {
      return Promise.reject(new StorageError("invalid_argument", `write ${w.offset}+${w.data.length} is outside volume ${w.volumeUuid} of ${size} bytes`, "offset"));
    }
    const rec = encodeRecord({ type: "write", volumeUuid: w.volumeUuid, offset: w.offset, data: w.data });
    return this.enqueue(async () => {
      const fh = this.activeHandle();
      await fh.write(rec, 0, rec.length, this.pos);
      this.pos += rec.length;
      this.segments[this.segments.length - 1]!.size = this.pos;
      this.lastWasPoint = false;
      this.unsynced = true;
      this.scheduleSync();
    });
  }

  /** Makes every appended record durable. */
  flush(): Promise<void> {
    return this.enqueue(() => this.syncActive());
  }

  /**
   * Cuts a recovery point covering every write appended before this call. Its records are fsync'd first, then
   * the point record is written and fsync'd; only then is the (strictly increasing) groupId returned.
   */
  cutRecoveryPoint(): Promise<RecoveryPoint> {
    return this.enqueue(async () => {
      this.requireStarted();
      await this.syncActive();
      const point: RecoveryPoint = { groupId: this.nextGroupId, timestamp: this.now() };
      const rec = encodeRecord({ type: "point", ...point });
      const fh = this.activeHandle();
      await fh.write(rec, 0, rec.length, this.pos);
      await fh.datasync();
      this.nextGroupId++;
      this.pos += rec.length;
      const seg = this.segments[this.segments.length - 1]!;
      seg.size = this.pos;
      this.points.push({ ...point, seq: seg.seq, end: this.pos });
      this.lastWasPoint = true;
      if (this.pos >= this.segmentBytes) await this.rotate();
      return point;
    });
  }

  /** Points that can be materialized, oldest first (the base's own point first when it has one). */
  recoveryPoints(): RecoveryPoint[] {
    const st = this.requireStarted();
    const pruned = new Set(st.pruned);
    const out: RecoveryPoint[] = st.basePoint ? [st.basePoint] : [];
    for (const p of this.points) if (!pruned.has(p.groupId)) out.push({ groupId: p.groupId, timestamp: p.timestamp });
    return out;
  }

  /**
   * Writes the bytes of `volumeUuid` as of recovery point `groupId` to `destPath` (temp file + rename; on error
   * `destPath` is untouched). Throws `not_found` for unknown, pruned or merged-away points and unknown volumes,
   * and `corrupt_chunk`/`missing_chunk`/`corrupt_metadata` rather than return wrong bytes.
   */
  materialize(groupId: number, volumeUuid: string, destPath: string): Promise<void> {
    return this.exclusive(async () => {
      const st = this.requireStarted();
      const size = this.volumes.get(volumeUuid);
      if (size === undefined) throw new StorageError("not_found", `volume ${volumeUuid} is not protected by CDP task ${this.taskId}`);
      let target: PointIndex | undefined;
      if (!(st.basePoint && st.basePoint.groupId === groupId)) {
        target = this.points.find((p) => p.groupId === groupId);
        if (!target || st.pruned.includes(groupId)) {
          const why = st.basePoint && groupId < st.basePoint.groupId ? "it was merged into the base" : st.pruned.includes(groupId) ? "it was pruned" : "no such point was cut";
          throw new StorageError("not_found", `recovery point ${groupId} of CDP task ${this.taskId} cannot be restored: ${why}`);
        }
      }
      const m = await loadManifest(join(this.baseDir(st.baseGeneration), `${volumeUuid}.json`));
      await materializeChunks(await this.chunks(), {
        chunks: m.chunks,
        volumeSize: m.volumeSize,
        chunkSize: m.chunkSize,
        destPath,
        context: `CDP task ${this.taskId} base ${st.baseGeneration}`,
        beforePublish: target ? (tmp) => this.replayInto(tmp, volumeUuid, target) : undefined,
      });
    });
  }

  /**
   * Real bytes this task occupies: its journal segments plus the distinct chunks its base copies reference
   * (chunks shared with backups are counted here too).
   */
  async usedCapacity(): Promise<number> {
    return this.exclusive(async () => {
      const st = this.requireStarted();
      let total = this.segments.reduce((n, s) => n + s.size, 0);
      const seen = new Set<string>();
      const store = await this.chunks();
      for (const v of st.volumes) {
        const m = await loadManifest(join(this.baseDir(st.baseGeneration), `${v.uuid}.json`));
        for (const c of m.chunks) {
          if (c === null || seen.has(c)) continue;
          seen.add(c);
          total += (await store.sizeOf(c)) ?? 0;
        }
      }
      return total;
    });
  }

  /**
   * Folds the oldest journal segment into the base: the new base is the volumes as of that segment's last
   * point, which stays restorable (as the base point) along with every later point; earlier points are gone.
   * Returns the new base point, or undefined when there is nothing to merge (no sealed segment and the active
   * one has writes after its last point).
   */
  mergeOldest(): Promise<RecoveryPoint | undefined> {
    return this.exclusive(() => this.mergeOldestLocked());
  }

  /**
   * Merges the oldest segments into the base until `usedCapacity()` is at most `maxBytes` or nothing is left to
   * merge (the base plus the active segment are the floor). Returns the capacity reached.
   */
  async enforceCapacity(maxBytes: number): Promise<number> {
    for (;;) {
      const used = await this.usedCapacity();
      if (used <= maxBytes) return used;
      if ((await this.mergeOldest()) === undefined) return used;
    }
  }

  /**
   * Retention: every point not in `keep` stops being restorable, and segments holding no kept point are
   * merged into the base (reclaiming their space). Returns the points still restorable.
   */
  prune(keep: readonly number[]): Promise<RecoveryPoint[]> {
    return this.exclusive(async () => {
      const st = this.requireStarted();
      const keepSet = new Set(keep);
      const pruned = new Set(st.pruned);
      for (const p of this.points) if (!keepSet.has(p.groupId)) pruned.add(p.groupId);
      await this.saveState({ ...st, pruned: [...pruned].sort((a, b) => a - b) });
      for (;;) {
        const oldest = this.segments[0];
        if (!oldest) break;
        const inOldest = this.points.filter((p) => p.seq === oldest.seq);
        if (inOldest.length === 0 || inOldest.some((p) => keepSet.has(p.groupId))) break;
        if ((await this.mergeOldestLocked()) === undefined) break;
      }
      return this.recoveryPoints();
    });
  }

  /** Stops the sync timer, makes appended records durable and closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    await this.enqueue(async () => {
      await this.syncActive();
      await this.fh?.close();
      this.fh = undefined;
    });
  }

  /** Deletes the task's journal and base copies, then collects chunks nothing else references. */
  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
    await collectGarbage(this.storageDir);
  }

  // ---- internals ----

  private async recover(): Promise<void> {
    let st: CdpState | undefined;
    const statePath = join(this.dir, "state.json");
    try {
      const raw: unknown = JSON.parse(await readFile(statePath, "utf8"));
      const p = stateSchema.safeParse(raw);
      if (!p.success) throw new StorageError("corrupt_metadata", `${statePath}: field "${p.error.issues[0]!.path.join(".")}": ${p.error.issues[0]!.message}`);
      st = p.data;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        if (e instanceof StorageError) throw e;
        throw new StorageError("corrupt_metadata", `${statePath}: ${(e as Error).message}`);
      }
    }
    if (!st) {
      // Never started, or the start did not commit: nothing of it is visible.
      for (const n of await readdirOrEmpty(this.dir)) await rm(join(this.dir, n), { recursive: true, force: true });
      return;
    }
    this.state = st;
    for (const v of st.volumes) this.volumes.set(v.uuid, v.size);
    for (const n of await readdirOrEmpty(this.dir)) {
      if (n.startsWith("base-") && n !== `base-${st.baseGeneration}`) await rm(join(this.dir, n), { recursive: true, force: true });
    }
    const seqs = (await readdirOrEmpty(this.journalDir))
      .filter((n) => /^\d{10}\.log$/.test(n))
      .map((n) => Number.parseInt(n, 10))
      .sort((a, b) => a - b);
    for (const seq of seqs) if (seq < st.firstSegment) await rm(join(this.journalDir, segName(seq)), { force: true });
    const live = seqs.filter((s) => s >= st.firstSegment);
    if (live.length === 0) live.push(st.firstSegment);
    let maxGroup = st.basePoint?.groupId ?? 0;
    for (const [i, seq] of live.entries()) {
      const path = join(this.journalDir, segName(seq));
      const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? Buffer.alloc(0) : Promise.reject(e)));
      const dec = decodeRecords(buf);
      const last = i === live.length - 1;
      if (dec.stoppedBecause && !last) {
        throw new StorageError("corrupt_metadata", `${path}: sealed journal segment is damaged (${dec.stoppedBecause})`);
      }
      for (const r of dec.records) {
        if (r.record.type === "point") {
          this.points.push({ groupId: r.record.groupId, timestamp: r.record.timestamp, seq, end: r.end });
          maxGroup = Math.max(maxGroup, r.record.groupId);
        }
      }
      this.segments.push({ seq, size: dec.validEnd });
      if (last) {
        this.fh = await open(path, buf.length === 0 ? "w" : "r+");
        if (dec.validEnd < buf.length) {
          // The torn tail of a crash: records that were never acknowledged as part of a point.
          await this.fh.truncate(dec.validEnd);
          await this.fh.sync();
        }
        this.pos = dec.validEnd;
        this.lastWasPoint = dec.records.length === 0 || dec.records[dec.records.length - 1]!.record.type === "point";
      }
    }
    this.nextGroupId = maxGroup + 1;
  }

  private async mergeOldestLocked(): Promise<RecoveryPoint | undefined> {
    const st = this.requireStarted();
    if (this.segments.length < 2) {
      // Seal the active segment if it ends at a point, so it can be merged.
      const rotated = await this.enqueue(async () => {
        if (!this.lastWasPoint || !this.points.some((p) => p.seq === this.segments[this.segments.length - 1]!.seq)) return false;
        await this.rotate();
        return true;
      });
      if (!rotated) return undefined;
    }
    const oldest = this.segments[0]!;
    const segPoints = this.points.filter((p) => p.seq === oldest.seq);
    const lastPoint = segPoints[segPoints.length - 1];
    if (!lastPoint) throw new StorageError("corrupt_metadata", `journal segment ${oldest.seq} of CDP task ${this.taskId} is sealed but has no recovery point`);
    const path = join(this.journalDir, segName(oldest.seq));
    const dec = decodeRecords(await readFile(path));
    if (dec.stoppedBecause) throw new StorageError("corrupt_metadata", `${path}: sealed journal segment is damaged (${dec.stoppedBecause})`);

    // Writes grouped by volume and chunk, in journal order.
    const touched = new Map<string, Map<number, DecodedRecord[]>>();
    for (const r of dec.records) {
      if (r.record.type !== "write") continue;
      const byChunk = touched.get(r.record.volumeUuid) ?? new Map<number, DecodedRecord[]>();
      touched.set(r.record.volumeUuid, byChunk);
      const first = Math.floor(r.record.offset / this.chunkSize);
      const last = Math.floor((r.record.offset + Math.max(1, r.record.data.length) - 1) / this.chunkSize);
      for (let c = first; c <= last; c++) {
        const list = byChunk.get(c) ?? [];
        list.push(r);
        byChunk.set(c, list);
      }
    }
    const newGen = st.baseGeneration + 1;
    const newBase = this.baseDir(newGen);
    await rm(newBase, { recursive: true, force: true });
    await mkdir(newBase, { recursive: true });
    const store = await this.chunks();
    await (await coordinationFor(this.storageDir)).lock(this.storageDir).shared(async (hold) => {
      for (const v of st.volumes) {
        const m = await loadManifest(join(this.baseDir(st.baseGeneration), `${v.uuid}.json`));
        const chunks = m.chunks.slice();
        const batch = store.batch();
        let stored = 0;
        for (const [c, recs] of touched.get(v.uuid) ?? []) {
          const len = chunkLength(c, m.volumeSize, m.chunkSize);
          const old = chunks[c];
          const buf = old ? await store.read(old, `CDP task ${this.taskId} base ${st.baseGeneration}`) : Buffer.alloc(len);
          const c0 = c * m.chunkSize;
          for (const r of recs) {
            if (r.record.type !== "write") continue;
            const s = Math.max(c0, r.record.offset);
            const e = Math.min(c0 + len, r.record.offset + r.record.data.length);
            if (e > s) r.record.data.copy(buf, s - c0, s - r.record.offset, e - r.record.offset);
          }
          if (buf.every((b) => b === 0)) {
            chunks[c] = null;
            continue;
          }
          const h = chunkHash(buf);
          stored += await batch.put(h, buf);
          chunks[c] = h;
        }
        await batch.commit();
        await hold.confirm();
        await writeFileDurable(join(newBase, `${v.uuid}.json`), encodeManifest(this.manifestFor(v.uuid, newGen, m.volumeSize, chunks, stored)));
      }
    });
    await fsyncDir(this.dir);
    const basePoint = { groupId: lastPoint.groupId, timestamp: lastPoint.timestamp };
    await this.saveState({
      ...st,
      baseGeneration: newGen,
      basePoint,
      firstSegment: oldest.seq + 1,
      pruned: st.pruned.filter((g) => g > lastPoint.groupId),
    });
    this.segments.shift();
    this.points = this.points.filter((p) => p.seq !== oldest.seq);
    await rm(this.baseDir(st.baseGeneration), { recursive: true, force: true });
    await rm(path, { force: true });
    await fsyncDir(this.journalDir);
    await collectGarbage(this.storageDir);
    return basePoint;
  }

  private async replayInto(tmp: string, volumeUuid: string, target: PointIndex): Promise<void> {
    const fh = await open(tmp, "r+");
    try {
      for (const seg of this.segments) {
        if (seg.seq > target.seq) break;
        const path = join(this.journalDir, segName(seg.seq));
        let buf = await readFile(path);
        if (seg.seq === target.seq) buf = buf.subarray(0, target.end);
        const dec = decodeRecords(buf);
        if (dec.stoppedBecause) throw new StorageError("corrupt_metadata", `${path}: journal segment is damaged (${dec.stoppedBecause})`);
        for (const r of dec.records) {
          if (r.record.type === "write" && r.record.volumeUuid === volumeUuid) {
            await fh.write(r.record.data, 0, r.record.data.length, r.record.offset);
          }
        }
      }
    } finally {
      await fh.close();
    }
  }

  private manifestFor(volumeUuid: string, gen: number, size: number, chunks: (string | null)[], stored: number): VolumeManifest {
    return {
      format: MANIFEST_FORMAT,
      backupId: `cdp-${this.taskId}-base-${gen}-${volumeUuid}`,
      volumeSize: size,
      chunkSize: this.chunkSize,
      parentId: null,
      mode: "full",
      storedSize: stored,
      createdAt: this.now(),
      chunks,
    };
  }

  private async saveState(st: CdpState): Promise<void> {
    await writeFileDurable(join(this.dir, "state.json"), `${JSON.stringify(st)}\n`);
    this.state = st;
  }

  private requireStarted(): CdpState {
    if (!this.state) throw new StorageError("not_found", `CDP task ${this.taskId} has not been started`);
    return this.state;
  }

  private activeHandle(): FileHandle {
    if (!this.fh) throw new StorageError("invalid_argument", `CDP journal of task ${this.taskId} is not open for writing`);
    return this.fh;
  }

  /** Runs `fn` after every earlier journal write (appends, points, rotations are strictly ordered). */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Serializes merges, prunes and materializations (they read or replace the base). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.maintenance.then(fn);
    this.maintenance = p.catch(() => undefined);
    return p;
  }

  private scheduleSync(): void {
    if (this.syncTimer || this.syncIntervalMs <= 0 || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.enqueue(() => this.syncActive()).catch(() => undefined);
    }, this.syncIntervalMs);
    this.syncTimer.unref();
  }

  private async syncActive(): Promise<void> {
    if (!this.unsynced || !this.fh) return;
    await this.fh.datasync();
    this.unsynced = false;
  }

  private async openSegment(seq: number): Promise<void> {
    this.fh = await open(join(this.journalDir, segName(seq)), "w");
    await fsyncDir(this.journalDir);
    this.segments.push({ seq, size: 0 });
    this.pos = 0;
  }

  /** Seals the active segment (already durable up to its last point) and opens the next. Call inside the queue. */
  private async rotate(): Promise<void> {
    await this.syncActive();
    await this.fh?.close();
    await this.openSegment(this.segments[this.segments.length - 1]!.seq + 1);
  }
}
