import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ChangedRegions } from "./backup-store.js";
import { bitmapBytes, setBit } from "./changed-regions.js";
import { readdirOrEmpty, removeDurable, writeFileDurable } from "./durable-file.js";
import { StorageError, checkName } from "./errors.js";

const SESSION_FILE = "session.json";

const volumeStateSchema = z.object({
  format: z.literal("backplan-dirty/1"),
  volumeUuid: z.string(),
  granularity: z.number().int().positive(),
  /** The backup the `current` bitmap is relative to; null means "unknown": the next backup must read all. */
  base: z.string().nullable(),
  current: z.string(),
  /** Snapshot taken by an in-flight backup; folded back into `current` if that backup never commits. */
  pending: z.string().nullable(),
});

interface VolumeState {
  volumeUuid: string;
  granularity: number;
  base: string | null;
  current: Uint8Array;
  pending: Uint8Array | null;
}

/** What `beginBackup` hands out; give it back to `commitBackup` or `abortBackup`. */
export interface DirtyBackupToken {
  readonly volumeUuid: string;
  /** The regions to pass as `BackupWriteInput.changed`, or undefined when the backup must read everything. */
  readonly changed: ChangedRegions | undefined;
}

/**
 * Records which regions (bits of `granularity` bytes, by default the chunk size) of each volume were written
 * since its last successful backup, persisted as one small file per volume under `dir`.
 *
 * Contract: call `markWrite` for every write (the Inventory's `onWrite`); around each backup call `beginBackup`
 * → store write → `commitBackup` (success) or `abortBackup` (failure). The bitmap is reset only by
 * `commitBackup`; writes made during a backup land in the next bitmap. If the process ended without `close()`
 * (a crash could have lost the last bits), every bitmap is dropped on open and the next backup of each volume
 * is a full one — a missed change would silently corrupt an incremental chain, a full read only costs time.
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
      if (st.pending) {
        st.current = grow(st.current, st.pending.length);
        orInto(st.current, st.pending);
      }
      st.pending = null;
      if (!cleanShutdown || st.granularity !== t.granularity) {
        st.base = null;
        st.current = new Uint8Array(0);
        st.granularity = t.granularity;
      }
      t.volumes.set(st.volumeUuid, st);
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
    st.current = grow(st.current, bitmapBytes(last + 1));
    for (let b = first; b <= last; b++) setBit(st.current, b);
    this.touch(volumeUuid);
  }

  /**
   * Starts a backup of `volumeUuid` whose parent is `parentId`: returns the changed regions when the bitmap is
   * known relative to that parent (else undefined: read everything) and starts a fresh bitmap for writes that
   * happen from now on.
   */
  beginBackup(volumeUuid: string, parentId: string | undefined): DirtyBackupToken {
    const st = this.state(volumeUuid);
    if (st.pending) throw new StorageError("invalid_argument", `a backup of volume ${volumeUuid} is already in progress`, "volumeUuid");
    const known = parentId !== undefined && st.base === parentId;
    st.pending = st.current;
    st.current = new Uint8Array(st.pending.length);
    this.touch(volumeUuid);
    return { volumeUuid, changed: known ? { granularity: this.granularity, bitmap: st.pending.slice() } : undefined };
  }

  /** The backup succeeded as `backupId`: the snapshot is dropped and later bitmaps are relative to it. */
  async commitBackup(token: DirtyBackupToken, backupId: string): Promise<void> {
    const st = this.state(token.volumeUuid);
    st.pending = null;
    st.base = backupId;
    this.touch(token.volumeUuid);
    await this.flush();
  }

  /** The backup failed: its snapshot is folded back, so the next backup still sees those changes. */
  async abortBackup(token: DirtyBackupToken): Promise<void> {
    const st = this.state(token.volumeUuid);
    if (st.pending) {
      st.current = grow(st.current, st.pending.length);
      orInto(st.current, st.pending);
      st.pending = null;
    }
    this.touch(token.volumeUuid);
    await this.flush();
  }

  /** Drops what is known about a volume (deleted volume, or its backup chain was broken). */
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
    checkName("volumeUuid", volumeUuid);
    let st = this.volumes.get(volumeUuid);
    if (!st) {
      st = { volumeUuid, granularity: this.granularity, base: null, current: new Uint8Array(0), pending: null };
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
        if (st) await writeFileDurable(this.file(u), encodeVolumeState(st));
      }
    });
  }

  private file(volumeUuid: string): string {
    return join(this.dir, `${volumeUuid}.dirty.json`);
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

function encodeVolumeState(st: VolumeState): string {
  return JSON.stringify({
    format: "backplan-dirty/1",
    volumeUuid: st.volumeUuid,
    granularity: st.granularity,
    base: st.base,
    current: Buffer.from(st.current).toString("base64"),
    pending: st.pending ? Buffer.from(st.pending).toString("base64") : null,
  });
}

function parseVolumeState(text: string, where: string): VolumeState {
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
    base: p.data.base,
    current: new Uint8Array(Buffer.from(p.data.current, "base64")),
    pending: p.data.pending === null ? null : new Uint8Array(Buffer.from(p.data.pending, "base64")),
  };
}

function grow(bits: Uint8Array, bytes: number): Uint8Array {
  if (bits.length >= bytes) return bits;
  const out = new Uint8Array(bytes);
  out.set(bits);
  return out;
}

function orInto(target: Uint8Array, src: Uint8Array): void {
  for (let i = 0; i < src.length && i < target.length; i++) target[i] = target[i]! | src[i]!;
}
