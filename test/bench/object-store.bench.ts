/**
 * Object-store benchmark (not part of the test suite): full backup, incremental backup after 1% of the 4 MiB
 * blocks changed, and restore, through the chunk store in a local directory and in an S3 bucket (OpenStack
 * Swift with s3api on loopback, started by scripts/s3-server.sh), beside `sha256sum` of the same file.
 *
 *   node --import tsx test/bench/object-store.bench.ts [--size 256MiB] [--dir /tmp]
 *
 * Both stores back up the same bytes with the same changed regions, through the same `ChunkBackupStore` the
 * engine uses (4 MiB chunks, 4 at a time); the bucket is reached over HTTP on 127.0.0.1, so the rows show the
 * cost of the S3 protocol and of Swift's own disk writes, not of a network. Prints a Markdown table.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { ChangedRegions } from "../../src/engine/storage/backup-store.js";
import { bindObjectStore } from "../../src/engine/storage/object-store-binding.js";
import { ChunkBackupStore, DEFAULT_CHUNK_SIZE } from "../../src/engine/storage/chunk-backup-store.js";
import { parseObjectStoreUrl } from "../../src/engine/storage/object-store-url.js";
import { startTestS3 } from "../support/s3.js";

const MiB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function parseMiB(s: string): number {
  const m = /^(\d+)\s*(MiB|GiB)$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s} (use e.g. 256MiB, 1GiB)`);
  return Number(m[1]) * (m[2]!.toLowerCase() === "gib" ? 1024 * MiB : MiB);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

async function fillRandom(path: string, size: number): Promise<void> {
  const fh = await open(path, "w");
  try {
    for (let off = 0; off < size; off += 64 * MiB) {
      const buf = randomBytes(Math.min(64 * MiB, size - off));
      await fh.write(buf, 0, buf.length, off);
    }
  } finally {
    await fh.close();
  }
}

/** Writes 64 KiB into 1% of the volume's chunks (at least one) and returns their changed-region bitmap. */
async function touchOnePercent(path: string, size: number, chunkSize: number): Promise<ChangedRegions> {
  const chunks = Math.ceil(size / chunkSize);
  const chosen = new Set<number>();
  while (chosen.size < Math.max(1, Math.round(chunks / 100))) chosen.add(Math.floor(Math.random() * chunks));
  const bitmap = new Uint8Array(Math.ceil(chunks / 8));
  const fh = await open(path, "r+");
  try {
    for (const i of chosen) {
      await fh.write(randomBytes(64 * 1024), 0, 64 * 1024, i * chunkSize);
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
  } finally {
    await fh.close();
  }
  return { granularity: chunkSize, bitmap };
}

interface Row {
  what: string;
  result: string;
  note: string;
}

async function main(): Promise<void> {
  const size = parseMiB(arg("size", "256MiB"));
  const work = mkdtempSync(join(arg("dir", tmpdir()), "backplan-object-store-bench-"));
  const s3 = await startTestS3();
  const rows: Row[] = [];
  try {
    await s3.bucket("bench");
    const vol = join(work, "vol.raw");
    await fillRandom(vol, size);
    execFileSync("cat", [vol], { stdio: ["ignore", "ignore", "inherit"] }); // page cache warm for everyone alike
    const sha = await timed(() => execFileSync("sha256sum", [vol]));
    const shaRate = mbps(size, sha.ms);
    rows.push({ what: "sha256sum (baseline)", result: `${shaRate.toFixed(0)} MB/s`, note: `${(sha.ms / 1000).toFixed(2)} s` });

    const store = new ChunkBackupStore();
    const backupRoot = join(work, "backup");
    const stores = { local: join(backupRoot, "local"), "S3 bucket": join(work, "s3-root", "bs") };
    mkdirSync(stores["S3 bucket"], { recursive: true });
    mkdirSync(join(work, "s3-root", "wide"), { recursive: true });
    const target = parseObjectStoreUrl(`s3://bench/engine?endpoint=${s3.endpoint}&region=${s3.region}&path_style=true&access_key=${encodeURIComponent(s3.accessKey)}&secret_key=${s3.secretKey}`);
    const binding = bindObjectStore(join(work, "s3-root"), target);
    try {
      const ofSha = (ms: number) => `${((100 * mbps(size, ms)) / shaRate).toFixed(0)}% of sha256sum`;
      const full: Record<string, number> = {};
      for (const [name, dir] of Object.entries(stores)) {
        const t = await timed(() => store.write({ storageDir: dir, backupId: "full", sourcePath: vol, size }));
        full[name] = t.ms;
        rows.push({ what: `Full backup, chunks in ${name}`, result: `${mbps(size, t.ms).toFixed(0)} MB/s`, note: `${(t.ms / 1000).toFixed(2)} s; ${ofSha(t.ms)}; ${(t.value.storedSize / MiB).toFixed(0)} MiB stored` });
      }
      // Whether more requests in flight would help: the same full backup into a fresh storage of the same bucket.
      const wide = new ChunkBackupStore({ concurrency: 16 });
      const w = await timed(() => wide.write({ storageDir: join(work, "s3-root", "wide"), backupId: "full", sourcePath: vol, size }));
      rows.push({ what: "Full backup, chunks in S3 bucket, 16 chunks at a time", result: `${mbps(size, w.ms).toFixed(0)} MB/s`, note: `${(w.ms / 1000).toFixed(2)} s; ${ofSha(w.ms)} (the engine uses 4)` });
      const changed = await touchOnePercent(vol, size, DEFAULT_CHUNK_SIZE);
      for (const [name, dir] of Object.entries(stores)) {
        const t = await timed(() => store.write({ storageDir: dir, backupId: "inc", sourcePath: vol, size, parentId: "full", changed }));
        rows.push({
          what: `Incremental after 1% of 4 MiB blocks changed, chunks in ${name}`,
          result: `${t.ms.toFixed(0)} ms`,
          note: `mode ${t.value.mode}, ${(t.value.storedSize / MiB).toFixed(1)} MiB stored; ${((100 * t.ms) / full[name]!).toFixed(1)}% of its full backup's time`,
        });
      }
      for (const [name, dir] of Object.entries(stores)) {
        const out = join(work, "restored.raw");
        const t = await timed(() => store.restore(dir, "inc", out));
        rmSync(out, { force: true });
        rows.push({ what: `Restore, chunks in ${name}`, result: `${mbps(size, t.ms).toFixed(0)} MB/s`, note: `${(t.ms / 1000).toFixed(2)} s, every chunk re-hashed; ${ofSha(t.ms)}` });
      }
    } finally {
      binding.release();
    }
  } finally {
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const lines = [
    `Volume ${(size / MiB).toFixed(0)} MiB of random data, 4 MiB chunks, Node ${process.version}, ${new Date().toISOString()}; MB/s = MiB/s; ` +
      `S3 = OpenStack Swift with s3api on 127.0.0.1 (one replica, same disk); load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" / ")} on ${availableParallelism()} cores.`,
    "",
    "| Measurement | Result | Notes |",
    "|---|---|---|",
    ...rows.map((r) => `| ${r.what} | ${r.result} | ${r.note} |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
