import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CdpJournal, type CdpVolume } from "./cdp-journal.js";
import { ChunkBackupStore } from "./chunk-backup-store.js";
import { StorageError } from "./errors.js";
import { createSparse, randomBuffer, rng, sha256File, tempDir, writeAt } from "./testdata/volumes.js";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

const CHUNK = 64 * 1024;
const SIZE = 1024 * 1024 + 777;

let dir: string;
let cleanup: () => void;
let storageDir: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir("backplan-cdp-"));
  storageDir = join(dir, "bs");
});
afterEach(() => cleanup());

async function makeVolumes(): Promise<CdpVolume[]> {
  const vols: CdpVolume[] = [];
  for (const [i, uuid] of ["root", "data"].entries()) {
    const path = join(dir, `${uuid}.raw`);
    await createSparse(path, SIZE);
    await writeAt(path, 0, randomBuffer(rng(i + 1), 200_000));
    vols.push({ uuid, path, size: SIZE });
  }
  return vols;
}

/** A writer that writes random ranges to the live volumes and appends each write to the journal. */
async function writeRandom(j: CdpJournal, vols: CdpVolume[], next: () => number, n: number): Promise<void> {
  for (let k = 0; k < n; k++) {
    const v = vols[Math.floor(next() * vols.length)]!;
    const len = 1 + Math.floor(next() * 3 * CHUNK);
    const off = Math.floor(next() * (v.size - len));
    const data = next() < 0.15 ? Buffer.alloc(len) : randomBuffer(next, len);
    await writeAt(v.path, off, data);
    await j.append({ volumeUuid: v.uuid, offset: off, data });
  }
}

const hashOf = async (path: string) => sha256File(path);

async function expectPointsExact(j: CdpJournal, expected: Map<number, Map<string, string>>, groupIds: Iterable<number>): Promise<void> {
  for (const g of groupIds) {
    for (const [uuid, hash] of expected.get(g)!) {
      const out = join(dir, `m-${g}-${uuid}.raw`);
      await j.materialize(g, uuid, out);
      expect(await hashOf(out), `point ${g} volume ${uuid}`).toBe(hash);
      expect((await stat(out)).size).toBe(SIZE);
    }
  }
}

async function snapshot(vols: CdpVolume[]): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const v of vols) m.set(v.uuid, await hashOf(v.path));
  return m;
}

describe("CdpJournal", () => {
  it("every recovery point cut while a writer writes random ranges materializes byte-exact", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "task-1", { chunkSize: CHUNK, segmentBytes: 256 * 1024 });
    const first = await j.start(vols);
    expect(first.groupId).toBe(1);
    const expected = new Map([[1, await snapshot(vols)]]);
    const next = rng(7);
    let last = 1;
    for (let round = 0; round < 12; round++) {
      await writeRandom(j, vols, next, 4);
      const p = await j.cutRecoveryPoint();
      expect(p.groupId).toBe(last + 1);
      last = p.groupId;
      expected.set(p.groupId, await snapshot(vols));
    }
    expect(j.recoveryPoints().map((p) => p.groupId)).toEqual([...expected.keys()]);
    await expectPointsExact(j, expected, expected.keys());
    await j.close();

    // Reopen: points and group ids persist; new points continue the sequence.
    const again = await CdpJournal.open(storageDir, "task-1", { chunkSize: CHUNK, segmentBytes: 256 * 1024 });
    expect(again.recoveryPoints().map((p) => p.groupId)).toEqual([...expected.keys()]);
    await writeRandom(again, vols, next, 2);
    const p = await again.cutRecoveryPoint();
    expect(p.groupId).toBe(last + 1);
    expected.set(p.groupId, await snapshot(vols));
    await expectPointsExact(again, expected, [1, 5, p.groupId]);
    await again.close();
  });

  it("points cut concurrently with a stream of appends cover exactly the writes appended before the cut", async () => {
    const vols = await makeVolumes();
    const model = new Map<string, Buffer>();
    for (const v of vols) model.set(v.uuid, await readFile(v.path));
    const j = await CdpJournal.open(storageDir, "stream", { chunkSize: CHUNK, segmentBytes: 200 * 1024, syncIntervalMs: 5 });
    await j.start(vols);
    const next = rng(21);
    const expected = new Map<number, Map<string, string>>();
    const pending: Promise<unknown>[] = [];
    const cuts: Promise<void>[] = [];
    for (let k = 0; k < 120; k++) {
      const v = vols[Math.floor(next() * vols.length)]!;
      const len = 1 + Math.floor(next() * CHUNK);
      const off = Math.floor(next() * (v.size - len));
      const data = randomBuffer(next, len);
      data.copy(model.get(v.uuid)!, off);
      pending.push(j.append({ volumeUuid: v.uuid, offset: off, data })); // not awaited: the writer never waits
      if (k % 10 === 9) {
        const snap = new Map([...model].map(([u, b]) => [u, createHash("sha256").update(b).digest("hex")] as const));
        cuts.push(j.cutRecoveryPoint().then((p) => void expected.set(p.groupId, snap)));
      }
      if (k % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([...pending, ...cuts]);
    expect(expected.size).toBe(12);
    await expectPointsExact(j, expected, expected.keys());
    await j.close();
  });

  it("shares chunks with volume backups in the same storage, and GC of those backups keeps the base alive", async () => {
    const vols = await makeVolumes();
    const store = new ChunkBackupStore({ chunkSize: CHUNK });
    await store.write({ storageDir, backupId: "vm-backup", sourcePath: vols[0]!.path, size: SIZE });
    const chunksBefore = (await readdir(join(storageDir, "chunks"), { recursive: true })).length;
    const j = await CdpJournal.open(storageDir, "shared", { chunkSize: CHUNK });
    const p = await j.start(vols.slice(0, 1));
    // The base copy of an already backed-up volume adds no chunk files.
    expect((await readdir(join(storageDir, "chunks"), { recursive: true })).length).toBe(chunksBefore);
    const expected = await snapshot(vols.slice(0, 1));
    await store.remove(storageDir, "vm-backup");
    await expectPointsExact(j, new Map([[p.groupId, expected]]), [p.groupId]);
    expect((await store.verify(storageDir)).ok).toBe(true);
    await j.destroy();
    expect((await readdir(join(storageDir, "chunks"), { recursive: true })).filter((n) => n.length > 2)).toEqual([]);
  });

  it("writes appended while the base copy is taken are replayed on top of it", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "race", { chunkSize: CHUNK });
    const next = rng(3);
    const starting = j.start(vols);
    await writeRandom(j, vols, next, 6);
    await starting;
    const p = await j.cutRecoveryPoint();
    await expectPointsExact(j, new Map([[p.groupId, await snapshot(vols)]]), [p.groupId]);
    await j.close();
  });

  it("mergeOldest folds segments into the base, keeps later points exact and bounds capacity", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "merge", { chunkSize: CHUNK, segmentBytes: 128 * 1024 });
    await j.start(vols);
    const expected = new Map([[1, await snapshot(vols)]]);
    const next = rng(11);
    for (let round = 0; round < 10; round++) {
      await writeRandom(j, vols, next, 3);
      const p = await j.cutRecoveryPoint();
      expected.set(p.groupId, await snapshot(vols));
    }
    const before = await j.usedCapacity();
    const journalBefore = (await readdir(join(storageDir, "cdp", "merge", "journal"))).length;
    expect(journalBefore).toBeGreaterThan(2);

    const base1 = await j.mergeOldest();
    expect(base1).toBeDefined();
    const base2 = await j.mergeOldest();
    expect(base2!.groupId).toBeGreaterThan(base1!.groupId);
    expect((await readdir(join(storageDir, "cdp", "merge", "journal"))).length).toBe(journalBefore - 2);
    expect(await j.usedCapacity()).toBeLessThan(before);

    const restorable = j.recoveryPoints().map((p) => p.groupId);
    expect(restorable[0]).toBe(base2!.groupId);
    expect(restorable).toEqual([...expected.keys()].filter((g) => g >= base2!.groupId));
    await expectPointsExact(j, expected, restorable);
    const err = await j.materialize(1, "root", join(dir, "x.raw")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toMatch(/recovery point 1 .* merged into the base/);

    // Merge everything, including the active segment once it ends at a point.
    while ((await j.mergeOldest()) !== undefined);
    const lastG = Math.max(...expected.keys());
    expect(j.recoveryPoints().map((p) => p.groupId)).toEqual([lastG]);
    await expectPointsExact(j, expected, [lastG]);
    // The base manifests are ordinary chunk manifests: verify covers them.
    expect((await new ChunkBackupStore({ chunkSize: CHUNK }).verify(storageDir)).ok).toBe(true);
    await j.close();
  });

  it("enforceCapacity merges until the task fits its maximum, keeping the newest point exact", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "cap", { chunkSize: CHUNK, segmentBytes: 32 * 1024 });
    await j.start(vols);
    const next = rng(13);
    let last = 0;
    const expected = new Map<number, Map<string, string>>();
    for (let round = 0; round < 6; round++) {
      await writeRandom(j, vols, next, 2);
      last = (await j.cutRecoveryPoint()).groupId;
      expected.set(last, await snapshot(vols));
    }
    const before = await j.usedCapacity();
    const target = before - 1;
    const reached = await j.enforceCapacity(target);
    expect(reached).toBeLessThanOrEqual(target);
    expect(reached).toBe(await j.usedCapacity());
    expect(j.recoveryPoints().at(-1)!.groupId).toBe(last);
    await expectPointsExact(j, expected, [last]);
    // A maximum below the floor merges everything there is and reports what is left.
    const floor = await j.enforceCapacity(0);
    expect(floor).toBeGreaterThan(0);
    expect(j.recoveryPoints().map((p) => p.groupId)).toEqual([last]);
    await j.close();
  });

  it("prune keeps only the listed points and merges segments left without kept points", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "prune", { chunkSize: CHUNK, segmentBytes: 64 * 1024 });
    await j.start(vols);
    const expected = new Map([[1, await snapshot(vols)]]);
    const next = rng(5);
    for (let round = 0; round < 8; round++) {
      await writeRandom(j, vols, next, 2);
      const p = await j.cutRecoveryPoint();
      expected.set(p.groupId, await snapshot(vols));
    }
    const keep = [6, 9];
    const left = await j.prune(keep);
    expect(left.map((p) => p.groupId).filter((g) => keep.includes(g))).toEqual(keep);
    for (const g of left.map((p) => p.groupId)) expect(keep.includes(g) || g === left[0]!.groupId).toBe(true);
    await expectPointsExact(j, expected, keep);
    await expect(j.materialize(7, "root", join(dir, "x.raw"))).rejects.toThrow(/pruned/);
    await j.close();
  });

  it("detects and truncates a torn record at the journal tail on open", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "torn", { chunkSize: CHUNK });
    await j.start(vols);
    const next = rng(9);
    await writeRandom(j, vols, next, 3);
    const p = await j.cutRecoveryPoint();
    const good = await snapshot(vols);
    await j.append({ volumeUuid: "root", offset: 0, data: Buffer.alloc(5000, 0xab) });
    await j.close();

    const segDir = join(storageDir, "cdp", "torn", "journal");
    const seg = join(segDir, (await readdir(segDir)).sort().at(-1)!);
    const full = (await stat(seg)).size;
    // Tear the last record: cut it in half, as a crash mid-write would.
    const fh = await open(seg, "r+");
    await fh.truncate(full - 2500);
    await fh.close();

    const reopened = await CdpJournal.open(storageDir, "torn", { chunkSize: CHUNK });
    const afterOpen = (await stat(seg)).size;
    expect(afterOpen).toBeLessThan(full - 2500);
    expect(reopened.recoveryPoints().map((x) => x.groupId)).toEqual([1, p.groupId]);
    await expectPointsExact(reopened, new Map([[p.groupId, good]]), [p.groupId]);
    // Appends continue cleanly after the truncation point.
    await reopened.append({ volumeUuid: "data", offset: 10, data: Buffer.from("hello") });
    const p2 = await reopened.cutRecoveryPoint();
    const out = join(dir, "after.raw");
    await reopened.materialize(p2.groupId, "data", out);
    expect((await readFile(out)).subarray(10, 15).toString()).toBe("hello");
    await reopened.close();

    // A flipped bit inside the tail record is caught by its crc the same way.
    const bytes = await readFile(seg);
    const h0 = createHash("sha256").update(bytes).digest("hex");
    const fh2 = await open(seg, "r+");
    await fh2.write(Buffer.from([bytes[bytes.length - 3]! ^ 0x01]), 0, 1, bytes.length - 3);
    await fh2.close();
    const third = await CdpJournal.open(storageDir, "torn", { chunkSize: CHUNK });
    expect(third.recoveryPoints().map((x) => x.groupId)).toEqual([1, p.groupId]);
    expect(createHash("sha256").update(await readFile(seg)).digest("hex")).not.toBe(h0);
    await third.close();
  });

  it("rejects writes outside the protected volumes and unknown points with clear errors", async () => {
    const vols = await makeVolumes();
    const j = await CdpJournal.open(storageDir, "errs", { chunkSize: CHUNK });
    await expect(j.cutRecoveryPoint()).rejects.toThrow(/has not been started/);
    await j.start(vols);
    await expect(j.start(vols)).rejects.toThrow(/already started/);
    await expect(j.append({ volumeUuid: "other", offset: 0, data: Buffer.alloc(1) })).rejects.toThrow(/not protected/);
    await expect(j.append({ volumeUuid: "root", offset: SIZE, data: Buffer.alloc(1) })).rejects.toThrow(/outside volume root/);
    await expect(j.materialize(42, "root", join(dir, "x.raw"))).rejects.toThrow(/recovery point 42 .* no such point/);
    await expect(CdpJournal.open(storageDir, "../evil")).rejects.toThrow(/taskId/);
    await j.destroy();
    expect(await readdir(join(storageDir, "cdp"))).toEqual([]);

    // A start that fails (a volume file is missing) leaves nothing and can be retried.
    const k = await CdpJournal.open(storageDir, "retry", { chunkSize: CHUNK });
    await expect(k.start([...vols, { uuid: "gone", path: join(dir, "gone.raw"), size: SIZE }])).rejects.toThrow(/gone\.raw/);
    expect(k.started).toBe(false);
    expect(await readdir(join(storageDir, "cdp", "retry"))).toEqual([]);
    const p = await k.start(vols);
    expect(p.groupId).toBe(1);
    await k.close();
  });
});
