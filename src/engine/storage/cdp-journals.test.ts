import { EventEmitter } from "node:events";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CdpJournals } from "./cdp-journals.js";
import { createSparse, randomBuffer, rng, sha256File, tempDir, writeAt } from "./testdata/volumes.js";

const CHUNK = 64 * 1024;
const SIZE = 512 * 1024;
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("backplan-journals-")));
afterEach(() => cleanup());

/** A stand-in for the Inventory's write path: write the file, then notify listeners (as writeVolume does). */
function volumeWriter() {
  const events = new EventEmitter();
  return {
    onWrite(l: (w: { volumeUuid: string; offset: number; data: Buffer }) => void) {
      events.on("w", l);
      return () => events.off("w", l);
    },
    async write(path: string, volumeUuid: string, offset: number, data: Buffer) {
      await writeAt(path, offset, data);
      events.emit("w", { volumeUuid, offset, data });
    },
  };
}

describe("CdpJournals", () => {
  it("routes writes of protected volumes to their task's journal, across a release and reopen", async () => {
    const storageDir = join(dir, "bs");
    const inv = volumeWriter();
    const errors: unknown[] = [];
    const journals = new CdpJournals({ chunkSize: CHUNK, onError: (_t, e) => errors.push(e) });
    const unsubscribe = inv.onWrite(journals.onWrite);
    const a = join(dir, "a.raw");
    const b = join(dir, "b.raw");
    for (const p of [a, b]) await createSparse(p, SIZE);
    const next = rng(3);

    const { journal, first } = await journals.protect(storageDir, "task-a", [{ uuid: "va", path: a, size: SIZE }]);
    expect(first?.groupId).toBe(1);
    expect((await journals.protect(storageDir, "task-a", [{ uuid: "va", path: a, size: SIZE }])).journal).toBe(journal);
    await expect(journals.protect(storageDir, "task-b", [{ uuid: "va", path: a, size: SIZE }])).rejects.toThrow(/already journaled by CDP task task-a/);

    await inv.write(a, "va", 1000, randomBuffer(next, 70_000));
    await inv.write(b, "vb", 0, randomBuffer(next, 1000)); // not protected: ignored
    const p2 = await journal.cutRecoveryPoint();
    const expected = await sha256File(a);
    await journals.release("task-a");
    await inv.write(a, "va", 0, Buffer.from("after release")); // no longer routed

    const again = await journals.protect(storageDir, "task-a", [{ uuid: "va", path: a, size: SIZE }]);
    expect(again.first).toBeUndefined();
    const out = join(dir, "out.raw");
    await again.journal.materialize(p2.groupId, "va", out);
    expect(await sha256File(out)).toBe(expected);
    expect(errors).toEqual([]);

    await journals.destroy(storageDir, "task-a");
    expect(journals.get("task-a")).toBeUndefined();
    expect(await readdir(join(storageDir, "cdp"))).toEqual([]);
    await inv.write(a, "va", 0, Buffer.from("x")); // routed nowhere, and no error
    await journals.close();
    unsubscribe();
    expect(errors).toEqual([]);
  });
});

describe("CdpJournals under concurrent deletes", () => {
  it("20 tasks deleted at once: every delete succeeds and leaves the other tasks' bases alone", async () => {
    const storageDir = join(dir, "bs");
    const journals = new CdpJournals({ chunkSize: CHUNK });
    const next = rng(11);
    const ids = Array.from({ length: 20 }, (_, i) => `task-${i}`);
    for (const id of ids) {
      const path = join(dir, `${id}.raw`);
      await createSparse(path, SIZE);
      await writeAt(path, 0, randomBuffer(next, 3 * CHUNK));
      await journals.protect(storageDir, id, [{ uuid: `v-${id}`, path, size: SIZE }]);
    }
    const survivors = ids.slice(0, 4);
    // Staggered so that some deletes remove their directories while another delete's collection is reading.
    const results = await Promise.allSettled(ids.slice(4).map(async (id, i) => {
      await new Promise((r) => setTimeout(r, (i % 5) * 15));
      return journals.destroy(storageDir, id);
    }));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect((await readdir(join(storageDir, "cdp"))).sort()).toEqual(survivors.slice().sort());
    for (const id of survivors) {
      const out = join(dir, `${id}.out`);
      const journal = journals.get(id)!;
      await journal.materialize(journal.recoveryPoints()[0]!.groupId, `v-${id}`, out);
      expect(await sha256File(out)).toBe(await sha256File(join(dir, `${id}.raw`)));
    }
    await journals.close();
  });
});
