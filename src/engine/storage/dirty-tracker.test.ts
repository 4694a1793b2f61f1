import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bitSet } from "./changed-regions.js";
import { DirtyTracker } from "./dirty-tracker.js";
import { tempDir } from "./testdata/volumes.js";

const G = 1024;
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("backplan-dirty-")));
afterEach(() => cleanup());

const setBits = (bitmap: Uint8Array) => Array.from({ length: bitmap.length * 8 }, (_, i) => i).filter((i) => bitSet(bitmap, i));

describe("DirtyTracker", () => {
  it("marks every granule a write touches", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "b0");
    t.markWrite("v", 1000, 100); // granules 0 and 1
    t.markWrite("v", 5 * G, 1); // granule 5
    t.markWrite("v", 7 * G, 0); // empty write: nothing
    const token = t.beginBackup("v", "b0");
    expect(setBits(token.changed!.bitmap)).toEqual([0, 1, 5]);
    expect(token.changed!.granularity).toBe(G);
    await t.close();
  });

  it("gives no bitmap for a first backup or a parent other than the tracked base", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    const first = t.beginBackup("v", undefined);
    expect(first.changed).toBeUndefined();
    await t.commitBackup(first, "b0");
    const wrongParent = t.beginBackup("v", "some-other-backup");
    expect(wrongParent.changed).toBeUndefined();
    await t.close();
  });

  it("keeps one bitmap per recent backup, so two chains of one volume (VM backups, CDP points) both stay incremental", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "vm-1");
    await t.commitBackup(t.beginBackup("v", undefined), "cdp-1");
    t.markWrite("v", 1 * G, 1);
    const cdp = t.beginBackup("v", "cdp-1");
    expect(setBits(cdp.changed!.bitmap)).toEqual([1]);
    t.markWrite("v", 2 * G, 1); // during the CDP point: counts for it and for everything older
    const vm = t.beginBackup("v", "vm-1"); // concurrent backup of the same volume
    expect(setBits(vm.changed!.bitmap)).toEqual([1, 2]);
    await t.commitBackup(cdp, "cdp-2");
    await t.commitBackup(vm, "vm-2");
    t.markWrite("v", 3 * G, 1);
    expect(setBits(t.beginBackup("v", "cdp-2").changed!.bitmap)).toEqual([2, 3]);
    expect(setBits(t.beginBackup("v", "vm-2").changed!.bitmap)).toEqual([3]);
    expect(setBits(t.beginBackup("v", "vm-1").changed!.bitmap)).toEqual([1, 2, 3]);
    await t.close();
  });

  it("resets only on a successful backup; an aborted backup's changes carry over, writes during a backup go to the next", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "b0");
    t.markWrite("v", 0, 1);
    const failed = t.beginBackup("v", "b0");
    t.markWrite("v", 3 * G, 1); // during the failed backup
    await t.abortBackup(failed);
    const ok = t.beginBackup("v", "b0");
    expect(setBits(ok.changed!.bitmap)).toEqual([0, 3]);
    t.markWrite("v", 9 * G, 1); // during the successful backup
    await t.commitBackup(ok, "b1");
    expect(setBits(t.beginBackup("v", "b1").changed!.bitmap)).toEqual([9]);
    await t.close();
  });

  it("persists bitmaps and the base across a clean restart", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "b0");
    t.markWrite("v", 2 * G, 10);
    await t.close();
    const again = await DirtyTracker.open(dir, { granularity: G });
    expect(setBits(again.beginBackup("v", "b0").changed!.bitmap)).toEqual([2]);
    await again.close();
  });

  it("tracks volume ids of any spelling", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("../odd id/", undefined), "b0");
    t.markWrite("../odd id/", 0, 1);
    await t.close();
    const again = await DirtyTracker.open(dir, { granularity: G });
    expect(setBits(again.beginBackup("../odd id/", "b0").changed!.bitmap)).toEqual([0]);
    await again.close();
  });

  it("after an unclean shutdown trusts no bitmap (the next backup is full)", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "b0");
    t.markWrite("v", 2 * G, 10);
    await t.flush(); // on disk, but never closed: as if the process was killed
    const again = await DirtyTracker.open(dir, { granularity: G });
    expect(again.beginBackup("v", "b0").changed).toBeUndefined();
    await again.close();
  });

  it("a backup that never committed leaves its parent's bitmap intact across a restart", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "b0");
    t.markWrite("v", 4 * G, 1);
    t.beginBackup("v", "b0"); // never committed
    await t.close();
    const again = await DirtyTracker.open(dir, { granularity: G });
    expect(setBits(again.beginBackup("v", "b0").changed!.bitmap)).toEqual([4]);
    await again.close();
  });

  it("names the file of a damaged bitmap", async () => {
    const t = await DirtyTracker.open(dir, { granularity: G });
    await t.commitBackup(t.beginBackup("v", undefined), "b0");
    t.markWrite("v", 0, 1);
    await t.close();
    const file = join(dir, (await readdir(dir)).find((n) => n.endsWith(".dirty.json"))!);
    expect(JSON.parse(await readFile(file, "utf8")).format).toBe("backplan-dirty/2");
    await writeFile(file, "{");
    await expect(DirtyTracker.open(dir, { granularity: G })).rejects.toThrow(/[0-9a-f]{32}\.dirty\.json: dirty bitmap file is not JSON/);
  });
});
