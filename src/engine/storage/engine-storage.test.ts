import { EventEmitter } from "node:events";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEngineStorage } from "./engine-storage.js";
import { createSparse, randomBuffer, rng, sha256File, tempDir, writeAt } from "./testdata/volumes.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("backplan-engine-storage-")));
afterEach(() => cleanup());

describe("openEngineStorage", () => {
  it("tracks writes announced by the inventory so backups naming their volume are incremental, across a restart", async () => {
    // The same listener contract as Inventory.onWrite, driven directly: this test is about the wiring.
    const writes = new EventEmitter();
    const onWrite = (l: (w: { volumeUuid: string; offset: number; data: Buffer }) => void) => {
      writes.on("w", l);
      return () => writes.off("w", l);
    };
    const size = 8 * 1024 * 1024;
    const vol = join(dir, "vol.raw");
    await createSparse(vol, size);
    const write = async (offset: number, data: Buffer) => {
      await writeAt(vol, offset, data);
      writes.emit("w", { volumeUuid: "v1", offset, data });
    };
    await write(0, randomBuffer(rng(1), 3 * 1024 * 1024));
    const storageDir = join(dir, "bs");
    const s1 = await openEngineStorage({ dataDir: dir, onWrite, store: { chunkSize: 1024 * 1024 } });
    expect((await s1.backupStore.write({ storageDir, backupId: "b1", sourcePath: vol, size, volumeUuid: "v1" })).mode).toBe("full");
    await write(5 * 1024 * 1024, Buffer.from("changed"));
    await s1.close();
    expect(writes.listenerCount("w")).toBe(0);

    const s2 = await openEngineStorage({ dataDir: dir, onWrite, store: { chunkSize: 1024 * 1024 } });
    const info = await s2.backupStore.write({ storageDir, backupId: "b2", sourcePath: vol, size, parentId: "b1", volumeUuid: "v1" });
    expect(info).toMatchObject({ mode: "incremental", storedSize: 1024 * 1024 });
    await s2.backupStore.restore(storageDir, "b2", join(dir, "out.raw"));
    expect(await sha256File(join(dir, "out.raw"))).toBe(await sha256File(vol));
    await s2.close();
  });

  it("embedded (no --primary-storage, no --metadata): volumes and backup storages in the data dir, files for pins and locks, no new files", async () => {
    const s = await openEngineStorage({ dataDir: dir, onWrite: () => () => undefined, store: { chunkSize: 64 * 1024 } });
    try {
      expect(s.roots).toEqual({ primary: join(dir, "primary"), backup: join(dir, "backup") });
      expect(s.site.coordination.kind).toBe("file");
      expect(s.tracker).toBeDefined();
      const storageDir = join(s.roots.backup, "bs1");
      await mkdir(storageDir, { recursive: true });
      const vol = join(dir, "vol.raw");
      await createSparse(vol, 256 * 1024);
      await writeAt(vol, 0, randomBuffer(rng(3), 100_000));
      await s.backupStore.write({ storageDir, backupId: "b1", sourcePath: vol, size: 256 * 1024 });
      await s.backupStore.remove(storageDir, "b1");
      expect((await readdir(storageDir)).sort()).toEqual(["chunks", "locks", "manifests", "pins"]);
    } finally {
      await s.close();
    }
  });

  it("with --primary-storage alone: both in that directory, still coordinated by files with a dirty tracker", async () => {
    const shared = join(dir, "shared");
    await mkdir(shared);
    const s = await openEngineStorage({ dataDir: join(dir, "data"), primaryStorage: shared, onWrite: () => () => undefined });
    try {
      expect(s.roots).toEqual({ primary: shared, backup: join(shared, "backup") });
      expect(s.site.backupRoots).toEqual([join(shared, "backup"), join(dir, "data", "backup")]);
      expect(s.site.coordination.kind).toBe("file");
      expect(s.tracker).toBeDefined();
    } finally {
      await s.close();
    }
  });
});
