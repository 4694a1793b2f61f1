import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreLock } from "./store-lock.js";
import { tempDir } from "./testdata/volumes.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("backplan-lock-")));
afterEach(() => cleanup());

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("StoreLock", () => {
  it("lets shared holders overlap", async () => {
    const lock = new StoreLock(dir);
    let inside = 0;
    let most = 0;
    const hold = () =>
      lock.shared(async () => {
        most = Math.max(most, ++inside);
        await tick(50);
        inside--;
      });
    await Promise.all([hold(), hold(), hold()]);
    expect(most).toBe(3);
  });

  it("an exclusive holder waits for shared holders, and new shared takers wait for it", async () => {
    const lock = new StoreLock(dir);
    const log: string[] = [];
    let firstIn!: () => void;
    const firstEntered = new Promise<void>((r) => (firstIn = r));
    const first = lock.shared(async () => {
      log.push("shared1 in");
      firstIn();
      await tick(100);
      log.push("shared1 out");
    });
    // Waits for the holder to be inside (not a fixed delay: acquiring takes longer on a loaded machine).
    await firstEntered;
    const excl = lock.exclusive(async () => {
      log.push("excl in");
      await tick(50);
      log.push("excl out");
    });
    await tick(30);
    const second = lock.shared(async () => void log.push("shared2 in"));
    await Promise.all([first, excl, second]);
    expect(log).toEqual(["shared1 in", "shared1 out", "excl in", "excl out", "shared2 in"]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("two exclusive holders never overlap", async () => {
    const lock = new StoreLock(dir);
    let inside = 0;
    let most = 0;
    const hold = () =>
      lock.exclusive(async () => {
        most = Math.max(most, ++inside);
        await tick(20);
        inside--;
      });
    await Promise.all([hold(), hold(), hold()]);
    expect(most).toBe(1);
  });

  it("ignores and removes markers of dead processes", async () => {
    await mkdir(dir, { recursive: true });
    // pid 2^22+1 is above the largest pid Linux can hand out (2^22), so no such process exists.
    await writeFile(join(dir, "excl-4194305-deadbeef0000.lock"), "4194305");
    await writeFile(join(dir, "shared-4194305-deadbeef0001.lock"), "4194305");
    const lock = new StoreLock(dir);
    await lock.exclusive(async () => undefined);
    await lock.shared(async () => undefined);
    expect(await readdir(dir)).toEqual([]);
  });

  it("ignores a marker whose pid now belongs to another process (a dead holder's pid reused)", async () => {
    await mkdir(dir, { recursive: true });
    // Our own pid with a start time that is not ours: the holder that wrote it is gone.
    await writeFile(join(dir, `excl-${process.pid}-deadbeef0002.lock`), `${process.pid} 1`);
    const lock = new StoreLock(dir);
    const started = performance.now();
    await lock.shared(async () => undefined);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await readdir(dir)).toEqual([]);
  });
});
