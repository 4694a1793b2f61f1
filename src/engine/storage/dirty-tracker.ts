import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ChangedRegions } from "./backup-store.js";
import { bitSet, bitmapBytes, setBit } from "./changed-regions.js";
import { readdirOrEmpty, removeDurable, writeFileDurable } from "./durable-file.js";
import { StorageError } from "./errors.js";

const SESSION_FILE = "session.json";
/** Bitmaps kept per volume: one per recent backup that may still serve as a parent. */
const MAX_BASES = 8;

const volumeStateSchema = z.object({
  format: z.literal("backplan-dirty/2"),
  volumeUuid: z.string(),
  granularity: z.number().int().positive(),
  /** Backup id → regions written since that backup (base64 bitmap), most recently committed last. */
  bases: z.array(z.object({ backupId: z.string(), bitmap: z.string() })),
});

interface Base {
  backupId: string;
  bitmap: Uint8Array;
}

interface VolumeState {
  volumeUuid: string;
  bases: Base[];
  /** Bitmaps of backups in progress: writes since each began. Not persisted (see the class comment). */
  inflight: Set<{ bitmap: Uint8Array }>;
}

/** What `beginBackup` hands out; give it back to `commitBackup` or `abortBackup`. */
export interface DirtyBackupToken {
  readonly volumeUuid: string;
  /** The regions to pass as `BackupWriteInput.changed`, or undefined when the backup must read everything. */
  readonly changed: ChangedRegions | undefined;
  /** @internal writes since this backup began. */
  readonly since: { bitmap: Uint8Array };
}

/**
 * Records which regions (bits of `granularity` bytes, by default the chunk size) of each volume were written
 * since each of its recent successful backups, persisted as one small file per volume under `dir`. Never throws
 * from `markWrite` (it runs inside the Inventory's write notification).
 *
 * Contract: call `markWrite` for every write (the Inventory's `onWrite`); around each backup call `beginBackup`
 * → store write → `commitBackup` (success) or `abortBackup` (failure). A bitmap relative to a backup exists only
 * once that backup committed, and only a successful backup starts a new one; writes made while a backup runs
 * count for it (they may or may not be in it). Several chains (VM backups and CDP points of one volume) and
 * concurrent backups each get their own bitmap. If the process ended without `close()` (a crash could have lost
 * the last bits), every bitmap is dropped on open and the next backup of each volume is full — a missed change
 * would silently corrupt an incremental chain, a full read only costs time.
 */
export class DirtyTracker {
  private readonly volumes = new Map<string, VolumeState>();
  private readonly dirtyFiles = new Set<string>();
  private saving: Promise<void> = Promise.resolve();
  private scheduled = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly granularity: number,
  ) {}

  /** Loads the persisted bitmaps from `dir` (created if absent). */
  static async open(dir: string, opts: { granularity?: number } = {}): Promise<DirtyTracker> {
    const t = new DirtyTracker(dir, opts.granularity ?? 4 * 1024 * 1024);
    await mkdir(dir, { recursive: true });
    const cleanShutdown = await readSession(join(dir, SESSION_FILE));
    for (const name of await readdirOrEmpty(dir)) {
      if (!name.endsWith(".dirty.json") || name.includes(".tmp-")) continue;
      const path = join(dir, name);
      const st = parseVolumeState(await readFile(path, "utf8"), path);
      if (!cleanShutdown || st.granularity !== t.granularity) st.bases = [];
      t.volumes.set(st.volumeUuid, { volumeUuid: st.volumeUuid, bases: st.bases, inflight: new Set() });
      t.dirtyFiles.add(st.volumeUuid);
    }
    await writeFileDurable(join(dir, SESSION_FILE), JSON.stringify({ open: true, pid: process.pid }));
    await t.flush();
    return t;
  }

  /** Records that `[offset, offset+length)` of the volume changed. Persistence follows asynchronously (see `flush`). */
  markWrite(volumeUuid: string, offset: number, length: number): void {
    if (length <= 0) return;
    const st = this.state(volumeUuid);
    const first = Math.floor(offset / this.granularity);
    const last = Math.floor((offset + length - 1) / this.granularity);
    let changed = false;
    for (const base of st.bases) {
      base.bitmap = grow(base.bitmap, bitmapBytes(last + 1));
      for (let b = first; b <= last; b++) {
        if (!bitSet(base.bitmap, b)) {
          setBit(base.bitmap, b);
          changed = true;
        }
      }
    }
    for (const f of st.inflight) {
      f.bitmap = grow(f.bitmap, bitmapBytes(last + 1));
      for (let b = first; b <= last; b++) setBit(f.bitmap, b);
    }
    if (changed) this.touch(volumeUuid);
  }

  /**
   * Starts a backup of `volumeUuid` whose parent is `parentId`: returns the regions changed since that parent
   * when they are known (else undefined: read everything), and starts recording writes for the new backup.
   */
  beginBackup(volumeUuid: string, parentId: string | undefined): DirtyBackupToken {
    const st = this.state(volumeUuid);
    const base = parentId === undefined ? undefined : st.bases.find((b) => b.backupId === parentId);
    const since = { bitmap: new Uint8Array(0) };
    st.inflight.add(since);
    return { volumeUuid, since, changed: base ? { granularity: this.granularity, bitmap: base.bitmap.slice() } : undefined };
  }

  /** The backup succeeded as `backupId`: from now on changes are also known relative to it. */
  async commitBackup(token: DirtyBackupToken, backupId: string): Promise<void> {
    const st = this.state(token.volumeUuid);
    st.inflight.delete(token.since);
    st.bases = st.bases.filter((b) => b.backupId !== backupId);
    st.bases.push({ backupId, bitmap: token.since.bitmap });
    if (st.bases.length > MAX_BASES) st.bases.splice(0, st.bases.length - MAX_BASES);
    this.touch(token.volumeUuid);
    await this.flush();
  }

  /** The backup failed: nothing changes (bitmaps relative to earlier backups kept recording all writes). */
  async abortBackup(token: DirtyBackupToken): Promise<void> {
    this.state(token.volumeUuid).inflight.delete(token.since);
  }

  /** Drops what is known about a volume (deleted volume). */
  async forget(volumeUuid: string): Promise<void> {
    this.volumes.delete(volumeUuid);
    this.dirtyFiles.delete(volumeUuid);
    await this.flush();
    await removeDurable(this.file(volumeUuid));
  }

  /** Resolves when every change recorded so far is on disk. */
  async flush(): Promise<void> {
    this.schedule();
    await this.saving;
    if (this.dirtyFiles.size > 0) await this.flush();
  }

  /** Flushes and records a clean shutdown, so the bitmaps are trusted on the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await writeFileDurable(join(this.dir, SESSION_FILE), JSON.stringify({ open: false }));
  }

  private state(volumeUuid: string): VolumeState {
    let st = this.volumes.get(volumeUuid);
    if (!st) {
      st = { volumeUuid, bases: [], inflight: new Set() };
      this.volumes.set(volumeUuid, st);
    }
    return st;
  }

  private touch(volumeUuid: string): void {
    this.dirtyFiles.add(volumeUuid);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.saving = this.saving.then(async () => {
      this.scheduled = false;
      const uuids = [...this.dirtyFiles];
      this.dirtyFiles.clear();
      for (const u of uuids) {
        const st = this.volumes.get(u);
        if (st) await writeFileDurable(this.file(u), this.encode(st));
      }
    });
  }

  private encode(st: VolumeState): string {
    return JSON.stringify({
      format: "backplan-dirty/2",
      volumeUuid: st.volumeUuid,
      granularity: this.granularity,
      bases: st.bases.map((b) => ({ backupId: b.backupId, bitmap: Buffer.from(b.bitmap).toString("base64") })),
    });
  }

  /** Named by a hash of the uuid, so any volume id (whatever its characters) maps to one safe file name. */
  private file(volumeUuid: string): string {
    return join(this.dir, `${createHash("sha256").update(volumeUuid).digest("hex").slice(0, 32)}.dirty.json`);
  }
}

async function readSession(path: string): Promise<boolean> {
  try {
    const s = JSON.parse(await readFile(path, "utf8")) as { open?: unknown };
    return s.open === false;
  } catch (e) {
    // No session file: a fresh directory, nothing could have been lost.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return true;
    return false;
  }
}

function parseVolumeState(text: string, where: string): { volumeUuid: string; granularity: number; bases: Base[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StorageError("corrupt_metadata", `${where}: dirty bitmap file is not JSON`);
  }
  const p = volumeStateSchema.safeParse(raw);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    throw new StorageError("corrupt_metadata", `${where}: field "${issue.path.join(".")}": ${issue.message}`);
  }
  return {
    volumeUuid: p.data.volumeUuid,
    granularity: p.data.granularity,
    bases: p.data.bases.map((b) => ({ backupId: b.backupId, bitmap: new Uint8Array(Buffer.from(b.bitmap, "base64")) })),
  };
}

function grow(bits: Uint8Array, bytes: number): Uint8Array {
  if (bits.length >= bytes) return bits;
  const out = new Uint8Array(bytes);
  out.set(bits);
  return out;
}
