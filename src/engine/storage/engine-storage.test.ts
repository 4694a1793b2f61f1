import { EventEmitter } from "node:events";
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
});
