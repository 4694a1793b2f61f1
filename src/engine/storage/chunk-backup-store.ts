import { mkdir, stat } from "node:fs/promises";
import type {
  BackupWriteInput,
  RestoreOptions,
  StoredBackupInfo,
  VerifyProblem,
  VerifyReport,
  VolumeBackupStore,
} from "./backup-store.js";
import { dirtyChunks } from "./changed-regions.js";
import { chunkHash } from "./chunk-backend.js";
import { chunkBackendFor } from "./chunk-backends.js";
import { coordinationFor } from "./coordination-binding.js";
import type { DirtyBackupToken, DirtyTracker } from "./dirty-tracker.js";
import { readIfExists, readdirOrEmpty, removeDurable, writeFileDurable } from "./durable-file.js";
import { StorageError, checkName } from "./errors.js";
import { allManifestFiles, collectGarbage, loadManifest, type GcReport } from "./gc.js";
import { layout } from "./layout.js";
import { MANIFEST_FORMAT, chunkCount, decodeManifest, encodeManifest, type VolumeManifest } from "./manifest.js";
import { Throttle } from "./throttle.js";
import { captureVolume, materializeChunks } from "./volume-chunker.js";

/** 4 MiB: see docs/storage.md for the measurement behind it. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

export interface ChunkBackupStoreOptions {
  /** Chunk size of new backups (existing manifests keep theirs). */
  chunkSize?: number;
  /** Chunks read/hashed/written at once. */
  concurrency?: number;
  now?: () => number;
  /**
   * Changed-region tracking for volumes: when a write names its `volumeUuid` (and gives no `changed` of its
   * own), the store asks the tracker for the regions changed since `parentId` and, once the manifest is
   * durable, resets the tracker's bitmap to this backup. Feed the tracker with `Inventory.onWrite`.
   */
  tracker?: DirtyTracker;
  /**
   * For backups that name a parent but bring no changed regions (and no tracker gives them any): read the
   * whole volume and reuse the parent's chunk wherever a chunk hashes the same, so only what changed is stored
   * (and, on an object store, not even asked about). What scale-out engines do: a node's tracker sees only the
   * writes that reached that node. Default false: such backups are full, as an embedded engine's without a
   * tracker always were.
   */
  rehashIncrementals?: boolean;
}

/**
 * Volume backups as manifests over a deduplicated, content-addressed chunk store (one per backup storage
 * directory). Same contracts as `CopyBackupStore`, plus: incremental backups that read only changed chunks,
 * restores that verify every chunk's hash, `verify`, and garbage collection of unreferenced chunks on remove.
 *
 * Crash safety: chunks are fsync'd and renamed into place, their directories fsync'd, and only then is the
 * manifest written (temp, fsync, rename, directory fsync). A backup killed mid-way leaves at most unreferenced
 * chunks and temp files, which GC removes; it is never listed.
 */
export class ChunkBackupStore implements VolumeBackupStore {
  readonly chunkSize: number;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly tracker: DirtyTracker | undefined;
  private readonly rehashIncrementals: boolean;
  /** Per storage dir: the GC running now, and the one queued after it (joined by every removal meanwhile). */
  private readonly gcs = new Map<string, { running?: Promise<GcReport>; queued?: Promise<GcReport> }>();

  constructor(opts: ChunkBackupStoreOptions = {}) {
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 4096) {
      throw new StorageError("invalid_argument", `chunkSize must be an integer of at least 4096, got ${this.chunkSize}`, "chunkSize");
    }
    this.concurrency = opts.concurrency ?? 4;
    this.now = opts.now ?? Date.now;
    this.tracker = opts.tracker;
    this.rehashIncrementals = opts.rehashIncrementals ?? false;
  }

  async write(input: BackupWriteInput): Promise<StoredBackupInfo> {
    if (!this.tracker || input.volumeUuid === undefined || input.changed) return this.writeOnce(input);
    const token: DirtyBackupToken = this.tracker.beginBackup(input.volumeUuid, input.parentId);
    let info: StoredBackupInfo;
    try {
      info = await this.writeOnce(token.changed ? { ...input, changed: token.changed } : input);
    } catch (e) {
      await this.tracker.abortBackup(token);
      throw e;
    }
    await this.tracker.commitBackup(token, input.backupId);
    return info;
  }

  private async writeOnce(input: BackupWriteInput): Promise<StoredBackupInfo> {
    const backupId = checkName("backupId", input.backupId);
    if (!Number.isSafeInteger(input.size) || input.size < 0) {
      throw new StorageError("invalid_argument", `size must be a non-negative integer, got ${input.size}`, "size");
    }
    if (input.parentId !== undefined) checkName("parentId", input.parentId);
    const { storageDir } = input;
    const final = layout.manifest(storageDir, backupId);
    if (await exists(final)) {
      throw new StorageError("invalid_argument", `backup ${backupId} already exists in ${storageDir}`, "backupId");
    }
    await mkdir(layout.manifests(storageDir), { recursive: true });
    const store = await chunkBackendFor(storageDir);
    await store.prepare();
    const bw = input.bandwidth ?? {};
    const readThrottles = [new Throttle(input.readBandwidth), new Throttle(bw.volumeReadBandwidth)].filter((t) => t.limited);
    const writeThrottles = [new Throttle(bw.networkWriteBandwidth)].filter((t) => t.limited);
    const count = chunkCount(input.size, this.chunkSize);

    const coordination = await coordinationFor(storageDir);
    const lock = coordination.lock(storageDir);
    // The lock is held only for short steps, never across throttle waits: what the backup has in hand
    // meanwhile is pinned (pins.ts), so GC, deletes and restores go on while a slow backup crawls.
    const pin = await coordination.pin(storageDir);
    let published = false;
    try {
      // Compared with the parent by the changed regions given, or else (rehashIncrementals) by every chunk's hash.
      const againstParent = input.changed !== undefined || this.rehashIncrementals;
      const parent = await lock.shared(async () => {
        // Read and pinned inside the lock: GC cannot remove the chunks we are about to reuse.
        const p = input.parentId !== undefined && againstParent ? await this.parentFor(storageDir, input.parentId) : undefined;
        if (p) await pin.add(p.chunks);
        return p;
      });
      const batch = store.batch();
      const captured = await captureVolume(store, batch, {
        sourcePath: input.sourcePath,
        size: input.size,
        chunkSize: this.chunkSize,
        ...(parent
          ? {
              parent: { chunks: parent.chunks, volumeSize: parent.volumeSize },
              ...(input.changed ? { dirty: dirtyChunks(input.changed, this.chunkSize, count) } : {}),
            }
          : {}),
        readThrottles,
        writeThrottles,
        concurrency: this.concurrency,
        ...(input.signal ? { signal: input.signal } : {}),
        reference: (hash, put) =>
          lock.shared(async () => {
            await pin.add([hash]);
            return put();
          }),
      });
      const manifest: VolumeManifest = {
        format: MANIFEST_FORMAT,
        backupId,
        volumeSize: input.size,
        chunkSize: this.chunkSize,
        parentId: input.parentId ?? null,
        mode: captured.incremental ? "incremental" : "full",
        storedSize: captured.storedSize,
        createdAt: this.now(),
        chunks: captured.chunks,
      };
      await lock.shared(async (hold) => {
        input.signal?.throwIfAborted();
        await batch.commit();
        // Our pins still counted for every GC so far, and none runs while we hold the lock: publish.
        await pin.confirm();
        await hold.confirm();
        await writeFileDurable(final, encodeManifest(manifest));
      });
      published = true;
      return { storedSize: manifest.storedSize, mode: manifest.mode, installPath: final };
    } finally {
      await pin.release();
      // Chunks a failed backup stored are referenced by nothing now: collect them soon, without waiting.
      if (!published) void this.gcSoon(storageDir).catch(() => undefined);
    }
  }

  /** The parent's manifest when it can serve as the base of an incremental backup, else undefined (full). */
  private async parentFor(storageDir: string, parentId: string): Promise<VolumeManifest | undefined> {
    const m = await this.tryManifest(storageDir, parentId);
    return m && m.chunkSize === this.chunkSize ? m : undefined;
  }

  private async tryManifest(storageDir: string, backupId: string): Promise<VolumeManifest | undefined> {
    const path = layout.manifest(storageDir, backupId);
    const data = await readIfExists(path);
    return data && decodeManifest(data.toString("utf8"), path);
  }

  /** The manifest of a backup; `not_found` when there is none. */
  async manifest(storageDir: string, backupId: string): Promise<VolumeManifest> {
    checkName("backupId", backupId);
    const m = await this.tryManifest(storageDir, backupId);
    if (!m) throw new StorageError("not_found", `backup ${backupId} is not found in ${storageDir}`);
    return m;
  }

  async restore(storageDir: string, backupId: string, destPath: string, options: RestoreOptions = {}): Promise<void> {
    const bw = options.bandwidth ?? {};
    // Pinned, then read without the lock: a throttled restore must not hold up GC (nor a delete of this backup).
    const coordination = await coordinationFor(storageDir);
    const pin = await coordination.pin(storageDir);
    try {
      const m = await coordination.lock(storageDir).shared(async () => {
        const found = await this.manifest(storageDir, backupId);
        await pin.add(found.chunks);
        return found;
      });
      await materializeChunks(await chunkBackendFor(storageDir), {
        chunks: m.chunks,
        volumeSize: m.volumeSize,
        chunkSize: m.chunkSize,
        destPath,
        context: `backup ${backupId}`,
        readThrottles: [new Throttle(bw.networkReadBandwidth)].filter((t) => t.limited),
        writeThrottles: [new Throttle(bw.volumeWriteBandwidth)].filter((t) => t.limited),
        concurrency: this.concurrency,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } finally {
      await pin.release();
    }
  }

  /**
   * Collects garbage when a crash interrupted a backup or restore here (a pin whose process is gone): what it
   * had stored goes at start, not only at the next delete. Returns the GC report, or undefined when none ran.
   */
  async collectInterrupted(storageDir: string): Promise<GcReport | undefined> {
    if ((await (await coordinationFor(storageDir)).scanPins(storageDir)).stale.length === 0) return undefined;
    return this.gcSoon(storageDir);
  }

  /**
   * Removes the manifest durably, then collects chunks no manifest references any more. Removals that arrive
   * while a collection runs share the next one (which starts after all their manifests are gone).
   */
  async remove(storageDir: string, backupId: string): Promise<void> {
    checkName("backupId", backupId);
    await removeDurable(layout.manifest(storageDir, backupId));
    await this.gcSoon(storageDir);
  }

  private gcSoon(storageDir: string): Promise<GcReport> {
    const slot = this.gcs.get(storageDir) ?? {};
    this.gcs.set(storageDir, slot);
    if (slot.queued) return slot.queued;
    const start = (): Promise<GcReport> => {
      const run = collectGarbage(storageDir).finally(() => {
        if (slot.running === run) slot.running = undefined;
        if (!slot.running && !slot.queued) this.gcs.delete(storageDir);
      });
      slot.running = run;
      return run;
    };
    if (!slot.running) return start();
    const queued = slot.running.catch(() => undefined).then(() => {
      slot.queued = undefined;
      return start();
    });
    slot.queued = queued;
    return queued;
  }

  async list(storageDir: string): Promise<string[]> {
    return (await readdirOrEmpty(layout.manifests(storageDir)))
      .filter((n) => n.endsWith(".json") && !n.includes(".tmp-"))
      .map((n) => n.slice(0, -".json".length))
      .sort();
  }

  gc(storageDir: string): Promise<GcReport> {
    return collectGarbage(storageDir);
  }

  /**
   * Re-hashes every chunk referenced by `backupId` (or by every manifest in the storage, CDP bases included)
   * and reports missing and corrupt chunks and unreadable manifests. Each chunk is read once however many
   * backups share it.
   */
  async verify(storageDir: string, backupId?: string): Promise<VerifyReport> {
    const coordination = await coordinationFor(storageDir);
    return coordination.lock(storageDir).shared(async () => {
      const files =
        backupId !== undefined
          ? [{ path: layout.manifest(storageDir, checkName("backupId", backupId)), owner: backupId }]
          : await allManifestFiles(storageDir);
      const problems: VerifyProblem[] = [];
      const users = new Map<string, string[]>();
      let backupsChecked = 0;
      for (const f of files) {
        let m: VolumeManifest;
        try {
          m = await loadManifest(f.path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT" && backupId !== undefined) {
            throw new StorageError("not_found", `backup ${backupId} is not found in ${storageDir}`);
          }
          problems.push({ kind: "corrupt_manifest", item: f.path, backupIds: [f.owner], detail: (e as Error).message });
          continue;
        }
        backupsChecked++;
        for (const c of m.chunks) {
          if (c === null) continue;
          const u = users.get(c);
          if (!u) users.set(c, [f.owner]);
          else if (!u.includes(f.owner)) u.push(f.owner);
        }
      }
      const store = await chunkBackendFor(storageDir);
      let bytesChecked = 0;
      for (const [hash, owners] of users) {
        const data = await store.fetch(hash);
        if (data === undefined) {
          problems.push({ kind: "missing_chunk", item: hash, backupIds: owners, detail: `chunk ${hash} is missing from ${store.location}` });
          continue;
        }
        bytesChecked += data.length;
        const actual = chunkHash(data);
        if (actual !== hash) {
          problems.push({ kind: "corrupt_chunk", item: hash, backupIds: owners, detail: `chunk ${hash} hashes to ${actual}` });
        }
      }
      return { ok: problems.length === 0, backupsChecked, chunksChecked: users.size, bytesChecked, problems };
    });
  }

  /** Bytes of chunks in the storage (real bytes on disk before filesystem overhead, or in the bucket). */
  async chunkBytes(storageDir: string): Promise<number> {
    const store = await chunkBackendFor(storageDir);
    let total = 0;
    for (const h of await store.list()) total += (await store.sizeOf(h)) ?? 0;
    return total;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}
