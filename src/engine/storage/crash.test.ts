import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CdpJournal } from "./cdp-journal.js";
import { ChunkBackupStore } from "./chunk-backup-store.js";
import { layout } from "./layout.js";
import { journalWrites } from "./testdata/journal-writes.js";
import { createSparse, randomBuffer, rng, sha256File, tempDir, writeAt } from "./testdata/volumes.js";

/**
 * Crash safety with real processes: a child runs backups, removals (GC) or journal appends and is SIGKILLed
 * mid-way; the parent then reopens the storage and checks that nothing acknowledged was lost, nothing
 * half-done is visible, and verify passes.
 */

const CHILD = fileURLToPath(new URL("./testdata/crash-child.ts", import.meta.url));
const CHUNK = 32 * 1024;

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("backplan-crash-")));
afterEach(() => cleanup());

interface Killed {
  lines: string[];
  stderr: string;
}

/** Runs the child until it has printed `minLines` lines, waits a further random delay, then SIGKILLs it. */
function runAndKill(args: string[], minLines: number, extraMs: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stderr = "";
    let armed = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!armed && out.split("\n").length - 1 >= minLines) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), extraMs);
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`child ended on its own (code ${code}): ${stderr}`));
      // Only complete lines count: a line cut by the kill was never fully acknowledged.
      const complete = out.slice(0, out.lastIndexOf("\n") + 1);
      resolve({ lines: complete.split("\n").filter((l) => l.length > 0), stderr });
    });
  });
}

async function tmpLeftovers(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.name.includes(".tmp-")) found.push(join(d, e.name));
    }
  };
  await walk(root);
  return found;
}

describe("crash safety (SIGKILL)", () => {
  it("killing a backup mid-way leaves every acknowledged backup intact and no half backup visible", async () => {
    const storageDir = join(dir, "bs");
    const size = 6 * 1024 * 1024;
    const vol = join(dir, "vol.raw");
    await createSparse(vol, size);
    await writeAt(vol, 0, randomBuffer(rng(1), size));
    const store = new ChunkBackupStore({ chunkSize: CHUNK });
    const acknowledged = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      const { lines } = await runAndKill(["backup", storageDir, vol, String(size), String(CHUNK), String(round + 1)], 2, 15 + round * 40);
      for (const l of lines) {
        const [, id, hash] = l.split(" ");
        acknowledged.set(id!, hash!);
      }
      const listed = await store.list(storageDir);
      for (const id of acknowledged.keys()) expect(listed).toContain(id);
      // A listed but unacknowledged backup can only be one whose manifest was renamed in just before the kill.
      expect(listed.length - acknowledged.size).toBeLessThanOrEqual(round + 1);
      const report = await store.verify(storageDir);
      expect(report.problems).toEqual([]);
      expect(report.backupsChecked).toBe(listed.length);
    }
    for (const [id, hash] of acknowledged) {
      const out = join(dir, `${id}.out`);
      await store.restore(storageDir, id, out);
      expect(await sha256File(out), id).toBe(hash);
    }
    // The stale lock marker and temp files of the killed processes do not block GC, which sweeps them.
    await store.gc(storageDir);
    expect(await tmpLeftovers(storageDir)).toEqual([]);
    expect((await readdir(layout.locks(storageDir))).length).toBe(0);
  });

  it("killing a removal mid-GC loses no chunk of a remaining backup", async () => {
    const storageDir = join(dir, "bs");
    const size = 4 * 1024 * 1024;
    const store = new ChunkBackupStore({ chunkSize: 16 * 1024 });
    const hashes = new Map<string, string>();
    const vol = join(dir, "vol.raw");
    await createSparse(vol, size);
    await writeAt(vol, 0, randomBuffer(rng(50), size));
    for (let i = 0; i < 8; i++) {
      // Each backup shares most chunks with the previous one and owns some of its own.
      await writeAt(vol, i * 300_000, randomBuffer(rng(100 + i), 400_000));
      await store.write({ storageDir, backupId: `k${i}`, sourcePath: vol, size });
      hashes.set(`k${i}`, await sha256File(vol));
    }
    const victims = ["k0", "k2", "k4", "k6"];
    for (let round = 0; round < 2; round++) {
      const { lines } = await runAndKill(["remove", storageDir, String(16 * 1024), ...victims], 1 + round, 10 + round * 15);
      const removed = lines.filter((l) => l.startsWith("removed ")).map((l) => l.slice("removed ".length));
      const listed = await store.list(storageDir);
      for (const id of removed) expect(listed).not.toContain(id);
      if (round === 0) expect(removed.length).toBeLessThan(victims.length); // the kill landed mid-way
      const report = await store.verify(storageDir);
      expect(report.problems).toEqual([]);
    }
    for (const id of await store.list(storageDir)) {
      const out = join(dir, `${id}.out`);
      await store.restore(storageDir, id, out);
      expect(await sha256File(out), id).toBe(hashes.get(id));
    }
    for (const id of ["k1", "k3", "k5", "k7"]) expect(await store.list(storageDir)).toContain(id);
  });

  it("killing a journal writer mid-append keeps every acknowledged recovery point exact", async () => {
    const storageDir = join(dir, "bs");
    const size = 1024 * 1024;
    const vols = [
      { uuid: "root", path: join(dir, "root.raw"), size },
      { uuid: "data", path: join(dir, "data.raw"), size },
    ];
    for (const [i, v] of vols.entries()) {
      await createSparse(v.path, size);
      await writeAt(v.path, 0, randomBuffer(rng(i + 7), 300_000));
    }
    const initial = await Promise.all(vols.map((v) => readFile(v.path)));
    const specs = vols.map((v) => `${v.uuid}:${v.path}:${v.size}`);
    // Each round is a fresh task killed at a different moment (mid-append, mid-cut, mid-merge).
    for (let round = 0; round < 3; round++) {
      const task = `t${round}`;
      const seed = 70 + round;
      const { lines } = await runAndKill(["journal", storageDir, task, String(CHUNK), String(seed), ...specs], 4 + round * 6, 3 + round * 9);
      const acked = new Map<number, number>(); // groupId -> writes it covers
      for (const l of lines) {
        const [kind, a, b] = l.split(" ");
        if (kind === "point") acked.set(Number(a), Number(b));
      }
      expect(acked.size).toBeGreaterThan(0);
      const j = await CdpJournal.open(storageDir, task, { chunkSize: CHUNK });
      const restorable = j.recoveryPoints().map((p) => p.groupId);
      const lastAcked = Math.max(...acked.keys());
      expect(restorable).toContain(lastAcked);
      for (const g of restorable) if (g < lastAcked) expect(acked.has(g)).toBe(true);
      for (const g of restorable.filter((x) => acked.has(x))) {
        // Expected bytes: the initial volumes plus the first n writes of the seeded stream.
        const model = initial.map((b) => Buffer.from(b));
        const n = acked.get(g)!;
        let k = 0;
        for (const w of journalWrites(seed, vols)) {
          if (k++ >= n) break;
          w.data.copy(model[vols.findIndex((v) => v.uuid === w.volumeUuid)]!, w.offset);
        }
        for (const [i, v] of vols.entries()) {
          const out = join(dir, `${task}-${g}-${v.uuid}.out`);
          await j.materialize(g, v.uuid, out);
          expect(await sha256File(out), `${task} point ${g} ${v.uuid}`).toBe(createHash("sha256").update(model[i]!).digest("hex"));
        }
      }
      // The journal accepts new writes after recovery.
      await j.append({ volumeUuid: "root", offset: 0, data: Buffer.from("after-crash") });
      const p = await j.cutRecoveryPoint();
      expect(p.groupId).toBeGreaterThan(lastAcked);
      await j.close();
    }
    const report = await new ChunkBackupStore({ chunkSize: CHUNK }).verify(storageDir);
    expect(report.problems).toEqual([]);
  });
});
