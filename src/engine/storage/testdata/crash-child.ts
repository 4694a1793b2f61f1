/**
 * Test support: a process the crash tests SIGKILL mid-way. It prints one line per completed operation (after
 * the operation's promise resolved), so the parent knows exactly what was acknowledged before the kill.
 *
 *   backup  <storageDir> <volPath> <size> <chunkSize> <seed>   endless full backups of a changing volume
 *   remove  <storageDir> <chunkSize> <id>...                    removes backups one by one (each runs GC)
 *   journal <storageDir> <task> <chunkSize> <seed> <vol>:<path>:<size>...   appends seeded writes, cuts points
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { CdpJournal } from "../cdp-journal.js";
import { ChunkBackupStore } from "../chunk-backup-store.js";
import { journalWrites } from "./journal-writes.js";
import { randomBuffer, rng, writeAt } from "./volumes.js";

const [mode, ...args] = process.argv.slice(2);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  switch (mode) {
    case "backup": {
      const [storageDir, volPath, size, chunkSize, seed] = args as [string, string, string, string, string];
      const store = new ChunkBackupStore({ chunkSize: Number(chunkSize) });
      const next = rng(Number(seed));
      for (let i = 0; ; i++) {
        for (let w = 0; w < 4; w++) {
          const len = 1 + Math.floor(next() * 200_000);
          await writeAt(volPath, Math.floor(next() * (Number(size) - len)), randomBuffer(next, len));
        }
        const hash = createHash("sha256").update(await readFile(volPath)).digest("hex");
        const id = `b${seed}-${i}`;
        await store.write({ storageDir, backupId: id, sourcePath: volPath, size: Number(size) });
        say(`done ${id} ${hash}`);
      }
    }
    case "remove": {
      const [storageDir, chunkSize, ...ids] = args as [string, string, ...string[]];
      const store = new ChunkBackupStore({ chunkSize: Number(chunkSize) });
      say("ready");
      for (const id of ids) {
        await store.remove(storageDir, id);
        say(`removed ${id}`);
      }
      return;
    }
    case "journal": {
      const [storageDir, task, chunkSize, seed, ...specs] = args as [string, string, string, string, ...string[]];
      const vols = specs.map((s) => {
        const [uuid, path, size] = s.split(":") as [string, string, string];
        return { uuid, path, size: Number(size) };
      });
      const j = await CdpJournal.open(storageDir, task, { chunkSize: Number(chunkSize), segmentBytes: 512 * 1024, syncIntervalMs: 2 });
      const first = j.started ? undefined : await j.start(vols);
      if (first) say(`point ${first.groupId} 0`);
      let count = 0;
      for (const w of journalWrites(Number(seed), vols)) {
        void j.append(w);
        count++;
        if (count % 5 === 0) {
          const p = await j.cutRecoveryPoint();
          say(`point ${p.groupId} ${count}`);
        }
        if (count % 40 === 0) {
          const merged = await j.mergeOldest();
          if (merged) say(`merged ${merged.groupId}`);
        }
      }
      return;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((e: unknown) => {
    process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
    process.exit(1);
  });
