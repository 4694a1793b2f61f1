import { mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChunkBackupStore } from "./chunk-backup-store.js";
import { ChunkStore } from "./chunk-store.js";
import { DirtyTracker } from "./dirty-tracker.js";
import { StorageError } from "./errors.js";
import { layout } from "./layout.js";
import { createSparse, randomBuffer, rng, sha256File, tempDir, writeAt } from "./testdata/volumes.js";

const CHUNK = 64 * 1024;
const SIZE = 4 * 1024 * 1024 + 12_345; // a partial last chunk on purpose

let dir: string;
let cleanup: () => void;
let storageDir: string;
let store: ChunkBackupStore;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  storageDir = join(dir, "bs");
  store = new ChunkBackupStore({ chunkSize: CHUNK });
});
afterEach(() => cleanup());

async function volumeWithData(name: string, seed: number, size = SIZE): Promise<string> {
  const path = join(dir, name);
  await createSparse(path, size);
  const next = rng(seed);
  // Data in the first half, a hole in the second half.
  await writeAt(path, 0, randomBuffer(next, Math.floor(size / 2)));
  return path;
}

async function chunkFiles(): Promise<string[]> {
  return new ChunkStore(layout.chunks(storageDir)).list();
}

async function expectStorageError(p: Promise<unknown>, kind: StorageError["kind"], ...fragments: string[]): Promise<StorageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  const se = err as StorageError;
  expect(se.kind).toBe(kind);
  for (const f of fragments) expect(se.message).toContain(f);
  return se;
}

describe("ChunkBackupStore", () => {
  it("full, then incremental backups after random writes restore byte-exact", async () => {
    const vol = await volumeWithData("vol.raw", 1);
    const tracker = await DirtyTracker.open(join(dir, "dirty"), { granularity: CHUNK });
    const next = rng(99);
    const expected = new Map<string, string>();
    let parent: string | undefined;
    for (let round = 0; round < 4; round++) {
      if (round > 0) {
        for (let w = 0; w < 5; w++) {
          const len = 1 + Math.floor(next() * 100_000);
          const off = Math.floor(next() * (SIZE - len));
          await writeAt(vol, off, randomBuffer(next, len));
          tracker.markWrite("vol-1", off, len);
        }
      }
      const id = `b${round}`;
      const token = tracker.beginBackup("vol-1", parent);
      const info = await store.write({ storageDir, backupId: id, sourcePath: vol, size: SIZE, ...(parent ? { parentId: parent } : {}), ...(token.changed ? { changed: token.changed } : {}) });
      await tracker.commitBackup(token, id);
      expect(info.mode).toBe(round === 0 ? "full" : "incremental");
      if (round > 0) {
        // 5 writes of at most ~100 KB touch at most 5 * 3 chunks: only those can be new.
        expect(info.storedSize).toBeLessThanOrEqual(15 * CHUNK);
        expect(info.storedSize).toBeGreaterThan(0);
      }
      expected.set(id, await sha256File(vol));
      parent = id;
    }
    await tracker.close();
    for (const [id, hash] of expected) {
      const out = join(dir, `restored-${id}.raw`);
      await store.restore(storageDir, id, out);
      expect(await sha256File(out), `backup ${id}`).toBe(hash);
    }
    expect(await store.list(storageDir)).toEqual(["b0", "b1", "b2", "b3"]);
    expect((await store.verify(storageDir)).ok).toBe(true);
  });

  it("with a tracker, writes naming their volume are incremental against the tracked parent", async () => {
    const vol = await volumeWithData("vol.raw", 4);
    const tracker = await DirtyTracker.open(join(dir, "dirty"), { granularity: CHUNK });
    const tracked = new ChunkBackupStore({ chunkSize: CHUNK, tracker });
    const first = await tracked.write({ storageDir, backupId: "t0", sourcePath: vol, size: SIZE, volumeUuid: "v" });
    expect(first.mode).toBe("full");
    const data = randomBuffer(rng(8), 1000);
    await writeAt(vol, 3 * CHUNK + 10, data);
    tracker.markWrite("v", 3 * CHUNK + 10, data.length);
    const second = await tracked.write({ storageDir, backupId: "t1", sourcePath: vol, size: SIZE, parentId: "t0", volumeUuid: "v" });
    expect(second).toMatchObject({ mode: "incremental", storedSize: CHUNK });
    // A failed backup keeps the changes for the next attempt.
    await writeAt(vol, 5 * CHUNK, data);
    tracker.markWrite("v", 5 * CHUNK, data.length);
    await expectStorageError(tracked.write({ storageDir, backupId: "t1", sourcePath: vol, size: SIZE, parentId: "t1", volumeUuid: "v" }), "invalid_argument", "already exists");
    const third = await tracked.write({ storageDir, backupId: "t2", sourcePath: vol, size: SIZE, parentId: "t1", volumeUuid: "v" });
    expect(third).toMatchObject({ mode: "incremental", storedSize: CHUNK });
    await tracked.restore(storageDir, "t2", join(dir, "out.raw"));
    expect(await sha256File(join(dir, "out.raw"))).toBe(await sha256File(vol));
    // Older backups stay usable parents; a backup the tracker never saw does not.
    expect((await tracked.write({ storageDir, backupId: "t3", sourcePath: vol, size: SIZE, parentId: "t0", volumeUuid: "v" })).mode).toBe("incremental");
    await tracked.write({ storageDir, backupId: "untracked", sourcePath: vol, size: SIZE });
    const other = await tracked.write({ storageDir, backupId: "t4", sourcePath: vol, size: SIZE, parentId: "untracked", volumeUuid: "v" });
    expect(other.mode).toBe("full");
    await tracker.close();
  });

  it("an incremental backup without a changed-regions bitmap reads everything (mode full)", async () => {
    const vol = await volumeWithData("vol.raw", 2);
    await store.write({ storageDir, backupId: "a", sourcePath: vol, size: SIZE });
    const info = await store.write({ storageDir, backupId: "b", sourcePath: vol, size: SIZE, parentId: "a" });
    expect(info.mode).toBe("full");
    expect(info.storedSize).toBe(0); // every chunk deduplicated
  });

  it("a clean bitmap makes the incremental reuse the parent even if the file changed (it trusts the tracker)", async () => {
    const vol = await volumeWithData("vol.raw", 3);
    const before = await sha256File(vol);
    await store.write({ storageDir, backupId: "a", sourcePath: vol, size: SIZE });
    await writeAt(vol, 0, Buffer.alloc(CHUNK, 7));
    const info = await store.write({
      storageDir, backupId: "b", sourcePath: vol, size: SIZE, parentId: "a", changed: { granularity: CHUNK, bitmap: new Uint8Array(0) },
    });
    expect(info).toMatchObject({ mode: "incremental", storedSize: 0 });
    await store.restore(storageDir, "b", join(dir, "out.raw"));
    expect(await sha256File(join(dir, "out.raw"))).toBe(before);
  });

  it("stores identical volumes once (dedup) and all-zero chunks as holes", async () => {
    const a = await volumeWithData("a.raw", 5);
    const b = await volumeWithData("b.raw", 5);
    const first = await store.write({ storageDir, backupId: "vm1-root", sourcePath: a, size: SIZE });
    const dataChunks = Math.ceil(Math.floor(SIZE / 2) / CHUNK);
    expect((await chunkFiles()).length).toBe(dataChunks);
    expect(first.storedSize).toBe(dataChunks * CHUNK); // the half ends inside a chunk whose rest is zeros

    const second = await store.write({ storageDir, backupId: "vm2-root", sourcePath: b, size: SIZE });
    expect(second.storedSize).toBe(0);
    expect((await chunkFiles()).length).toBe(dataChunks);
    const m = await store.manifest(storageDir, "vm2-root");
    expect(m.chunks.filter((c) => c === null).length).toBe(m.chunks.length - dataChunks);
  });

  it("remove deletes the manifest and garbage-collects only chunks nothing references", async () => {
    const a = await volumeWithData("a.raw", 10);
    await store.write({ storageDir, backupId: "a1", sourcePath: a, size: SIZE });
    await writeAt(a, 0, randomBuffer(rng(11), CHUNK)); // a2 differs from a1 in chunk 0 only
    await store.write({ storageDir, backupId: "a2", sourcePath: a, size: SIZE });
    const before = await chunkFiles();
    const a1Only = (await store.manifest(storageDir, "a1")).chunks[0]!;
    await store.remove(storageDir, "a1");
    const after = await chunkFiles();
    expect(after.length).toBe(before.length - 1);
    expect(after).not.toContain(a1Only);
    expect(await store.list(storageDir)).toEqual(["a2"]);
    await store.restore(storageDir, "a2", join(dir, "out.raw"));
    expect(await sha256File(join(dir, "out.raw"))).toBe(await sha256File(a));
    await store.remove(storageDir, "a2");
    await store.remove(storageDir, "never-existed");
    expect(await chunkFiles()).toEqual([]);
  });

  it("concurrent removals share garbage collections and still collect every removed backup's chunks", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const v = await volumeWithData(`v${i}.raw`, 100 + i);
      await store.write({ storageDir, backupId: `r${i}`, sourcePath: v, size: SIZE });
      ids.push(`r${i}`);
    }
    const keep = await volumeWithData("keep.raw", 200);
    await store.write({ storageDir, backupId: "keep", sourcePath: keep, size: SIZE });
    const keepChunks = new Set((await store.manifest(storageDir, "keep")).chunks.filter((c) => c !== null));
    await Promise.all(ids.map((id) => store.remove(storageDir, id)));
    expect(new Set(await chunkFiles())).toEqual(keepChunks);
    expect((await store.verify(storageDir)).ok).toBe(true);
  });

  it("a backup running while GC collects never loses a chunk it reuses", async () => {
    const a = await volumeWithData("a.raw", 20);
    for (let round = 0; round < 3; round++) {
      await store.write({ storageDir, backupId: `old${round}`, sourcePath: a, size: SIZE });
      // The new backup deduplicates every chunk against old${round}, which is deleted meanwhile. Throttling
      // makes the backup span the GC.
      const slow = new ChunkBackupStore({ chunkSize: CHUNK, concurrency: 1 });
      const backup = slow.write({ storageDir, backupId: `new${round}`, sourcePath: a, size: SIZE, bandwidth: { volumeReadBandwidth: 16 * 1024 * 1024 } });
      const removal = new Promise((r) => setTimeout(r, 20 * round)).then(() => store.remove(storageDir, `old${round}`));
      await Promise.all([backup, removal]);
      const report = await store.verify(storageDir, `new${round}`);
      expect(report.problems).toEqual([]);
      await store.restore(storageDir, `new${round}`, join(dir, "out.raw"));
      expect(await sha256File(join(dir, "out.raw"))).toBe(await sha256File(a));
      await store.remove(storageDir, `new${round}`);
    }
  });

  it("restore detects a corrupt chunk, names it and the backup, and leaves the destination untouched", async () => {
    const a = await volumeWithData("a.raw", 30);
    await store.write({ storageDir, backupId: "bk", sourcePath: a, size: SIZE });
    const victim = (await store.manifest(storageDir, "bk")).chunks[3]!;
    const path = new ChunkStore(layout.chunks(storageDir)).path(victim);
    const bytes = await readFile(path);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(path, bytes);

    const dest = join(dir, "dest.raw");
    await writeFile(dest, "previous contents");
    await expectStorageError(store.restore(storageDir, "bk", dest), "corrupt_chunk", victim, "backup bk");
    expect(await readFile(dest, "utf8")).toBe("previous contents");
    expect((await readdir(dir)).filter((n) => n.includes(".tmp-"))).toEqual([]);

    const report = await store.verify(storageDir, "bk");
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "corrupt_chunk", item: victim, backupIds: ["bk"] })]);
  });

  it("verify and restore report a missing chunk", async () => {
    const a = await volumeWithData("a.raw", 31);
    await store.write({ storageDir, backupId: "bk", sourcePath: a, size: SIZE });
    const victim = (await store.manifest(storageDir, "bk")).chunks[0]!;
    await new ChunkStore(layout.chunks(storageDir)).removeMany([victim]);
    const all = await store.verify(storageDir);
    expect(all.problems).toEqual([expect.objectContaining({ kind: "missing_chunk", item: victim, backupIds: ["bk"] })]);
    await expectStorageError(store.restore(storageDir, "bk", join(dir, "x.raw")), "missing_chunk", victim, "backup bk");
  });

  it("GC refuses to run when a manifest is unreadable, and verify names the file", async () => {
    const a = await volumeWithData("a.raw", 32);
    await store.write({ storageDir, backupId: "good", sourcePath: a, size: SIZE });
    await writeFile(layout.manifest(storageDir, "bad"), '{"format":"backplan-volume-manifest/1","chunks":7}');
    const before = await chunkFiles();
    await expectStorageError(store.gc(storageDir), "corrupt_metadata", "bad.json");
    expect(await chunkFiles()).toEqual(before);
    const report = await store.verify(storageDir);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "corrupt_manifest", item: layout.manifest(storageDir, "bad") })]);
  });

  it("rejects unusable ids and unknown backups with clear errors", async () => {
    const a = await volumeWithData("a.raw", 33);
    await expectStorageError(store.write({ storageDir, backupId: "../x", sourcePath: a, size: SIZE }), "invalid_argument", "backupId");
    await store.write({ storageDir, backupId: "dup", sourcePath: a, size: SIZE });
    await expectStorageError(store.write({ storageDir, backupId: "dup", sourcePath: a, size: SIZE }), "invalid_argument", "already exists");
    await expectStorageError(store.restore(storageDir, "nope", join(dir, "x.raw")), "not_found", "nope");
    await expectStorageError(store.verify(storageDir, "nope"), "not_found", "nope");
    expect(() => new ChunkBackupStore({ chunkSize: 10 })).toThrow(/chunkSize/);
    await expectStorageError(store.write({ storageDir, backupId: "nofile", sourcePath: join(dir, "missing.raw"), size: SIZE }), "invalid_argument", "missing.raw");
    expect(await store.list(storageDir)).toEqual(["dup"]);
  });

  it("an aborted backup (here stuck behind a 1 byte/s limit) rejects promptly and leaves nothing visible", async () => {
    const a = await volumeWithData("a.raw", 42);
    const controller = new AbortController();
    const started = performance.now();
    const backup = store.write({ storageDir, backupId: "stuck", sourcePath: a, size: SIZE, bandwidth: { volumeReadBandwidth: 1 }, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("engine closing")), 200);
    await expect(backup).rejects.toThrow("engine closing");
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await store.list(storageDir)).toEqual([]);
    const restoreAbort = new AbortController();
    restoreAbort.abort(new Error("stop"));
    await store.write({ storageDir, backupId: "ok", sourcePath: a, size: SIZE });
    await expect(store.restore(storageDir, "ok", join(dir, "r.raw"), { signal: restoreAbort.signal })).rejects.toThrow("stop");
    expect((await readdir(dir)).filter((n) => n.startsWith("r.raw"))).toEqual([]);
  });

  it("honours networkReadBandwidth on restore", async () => {
    const size = 1024 * 1024;
    const a = join(dir, "a.raw");
    await createSparse(a, size);
    await writeAt(a, 0, randomBuffer(rng(41), size));
    await store.write({ storageDir, backupId: "r", sourcePath: a, size });
    const started = performance.now();
    await store.restore(storageDir, "r", join(dir, "out.raw"), { bandwidth: { networkReadBandwidth: 256 * 1024 } });
    expect(performance.now() - started).toBeGreaterThan(2500);
    expect(await sha256File(join(dir, "out.raw"))).toBe(await sha256File(a));
  });

  it("honours volumeReadBandwidth", async () => {
    const size = 1024 * 1024;
    const a = join(dir, "a.raw");
    await createSparse(a, size);
    await writeAt(a, 0, randomBuffer(rng(40), size));
    const started = performance.now();
    // One second of burst, then the remaining 768 KiB at 256 KiB/s: at least ~3 s.
    await store.write({ storageDir, backupId: "slow", sourcePath: a, size, bandwidth: { volumeReadBandwidth: 256 * 1024 } });
    expect(performance.now() - started).toBeGreaterThan(2500);
  });

  it("GC skips a manifest deleted between listing and reading (another task's delete racing it)", async () => {
    const a = await volumeWithData("a.raw", 43);
    await store.write({ storageDir, backupId: "keep", sourcePath: a, size: SIZE });
    await store.write({ storageDir, backupId: "gone", sourcePath: await volumeWithData("b.raw", 44), size: SIZE });
    // A dangling link is listed by readdir but reads as ENOENT: exactly what a concurrent `rm -r` leaves GC.
    const base = join(layout.cdpTask(storageDir, "other-task"), "base-0");
    await mkdir(base, { recursive: true });
    await symlink(join(base, "vanished"), join(base, "vol.json"));
    await store.remove(storageDir, "gone");
    expect((await store.verify(storageDir, "keep")).problems).toEqual([]);
    expect(await store.list(storageDir)).toEqual(["keep"]);
  });

  it("a backup throttled to 1 KiB/s holds no lock while it waits: GC, deletes, restores and other backups go on", async () => {
    const a = await volumeWithData("a.raw", 45);
    await store.write({ storageDir, backupId: "old", sourcePath: a, size: SIZE });
    await store.write({ storageDir, backupId: "other", sourcePath: await volumeWithData("b.raw", 46), size: SIZE });
    const controller = new AbortController();
    const slow = store.write({ storageDir, backupId: "slow", sourcePath: a, size: SIZE, bandwidth: { volumeReadBandwidth: 1024 }, signal: controller.signal });
    const outcome = slow.then(() => "done", (e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await store.remove(storageDir, "old"); // its GC runs while the slow backup has chunks of `old` in hand
    await store.write({ storageDir, backupId: "fast", sourcePath: a, size: SIZE });
    await store.restore(storageDir, "other", join(dir, "other.out"));
    expect((await store.verify(storageDir)).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(10_000);
    controller.abort(new Error("stopped"));
    expect(await outcome).toBe("stopped");
    expect((await store.list(storageDir)).sort()).toEqual(["fast", "other"]);
  });

  it("a chunk the in-flight backup already referenced survives a GC that runs before its manifest exists", async () => {
    const a = await volumeWithData("a.raw", 47);
    await store.write({ storageDir, backupId: "old", sourcePath: a, size: SIZE });
    // Reads the first chunks at full speed (one second of burst), then crawls: `old` is deleted and collected meanwhile.
    const slow = new ChunkBackupStore({ chunkSize: CHUNK, concurrency: 1 });
    const backup = slow.write({ storageDir, backupId: "new", sourcePath: a, size: SIZE, bandwidth: { volumeReadBandwidth: 40 * CHUNK } });
    await new Promise((r) => setTimeout(r, 200));
    await store.remove(storageDir, "old");
    await backup;
    expect((await store.verify(storageDir, "new")).problems).toEqual([]);
    await store.restore(storageDir, "new", join(dir, "new.out"));
    expect(await sha256File(join(dir, "new.out"))).toBe(await sha256File(a));
  });
});
