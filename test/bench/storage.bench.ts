/**
 * Storage benchmark (not part of the test suite): full backup, incremental after 1% change, restore and dedup
 * of the chunk store, beside `cp` and `sha256sum` on the same file in the same run.
 *
 *   node --import tsx test/bench/storage.bench.ts [--size 4GiB] [--dir /tmp] [--chunk-sizes 4MiB] [--compression]
 *
 * Prints Markdown tables. The volume is incompressible random data with no holes (the worst case for the store:
 * nothing to skip, nothing to deduplicate within a volume). All files are in the page cache when measured, as
 * they are for sha256sum; every store write is fsync'd, `cp` is not.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { brotliCompressSync, constants, deflateSync } from "node:zlib";
import { ChunkBackupStore } from "../../src/engine/storage/chunk-backup-store.js";
import { DirtyTracker } from "../../src/engine/storage/dirty-tracker.js";

const MiB = 1024 * 1024;

function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s} (use e.g. 4GiB, 512MiB)`);
  const unit = (m[2] ?? "B").toLowerCase();
  const mult = unit === "gib" ? 1024 ** 3 : unit === "mib" ? MiB : unit === "kib" ? 1024 : 1;
  return Math.round(Number(m[1]) * mult);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
const fmt = (n: number, digits = 0) => n.toFixed(digits);

async function fillRandom(path: string, size: number): Promise<void> {
  const fh = await open(path, "w");
  try {
    const piece = 64 * MiB;
    for (let off = 0; off < size; off += piece) {
      const buf = randomBytes(Math.min(piece, size - off));
      await fh.write(buf, 0, buf.length, off);
    }
    await fh.truncate(size);
  } finally {
    await fh.close();
  }
}

/** Writes 64 KiB inside `fraction` of the volume's `block`-sized blocks, chosen at random. */
async function touchBlocks(path: string, size: number, block: number, fraction: number, tracker: DirtyTracker, uuid: string): Promise<number> {
  const blocks = Math.ceil(size / block);
  const n = Math.max(1, Math.round(blocks * fraction));
  const chosen = new Set<number>();
  while (chosen.size < n) chosen.add(Math.floor(Math.random() * blocks));
  const fh = await open(path, "r+");
  try {
    for (const b of chosen) {
      const len = Math.min(64 * 1024, size - b * block);
      const off = b * block + Math.floor(Math.random() * Math.max(1, Math.min(block, size - b * block) - len));
      await fh.write(randomBytes(len), 0, len, off);
      tracker.markWrite(uuid, off, len);
    }
  } finally {
    await fh.close();
  }
  return n;
}

/** Writes 4 KiB blocks making up `fraction` of the volume's bytes at random offsets (the worst case). */
async function scatterWrites(path: string, size: number, fraction: number, tracker: DirtyTracker, uuid: string): Promise<number> {
  const n = Math.max(1, Math.round((size * fraction) / 4096));
  const fh = await open(path, "r+");
  try {
    for (let i = 0; i < n; i++) {
      const off = Math.floor(Math.random() * (size / 4096)) * 4096;
      await fh.write(randomBytes(4096), 0, 4096, off);
      tracker.markWrite(uuid, off, 4096);
    }
  } finally {
    await fh.close();
  }
  return n;
}

interface Row {
  what: string;
  result: string;
  note: string;
}

async function benchChunkSize(work: string, vol: string, size: number, chunkSize: number, baseline: { sha: number; cp: number }): Promise<Row[]> {
  const storageDir = join(work, `bs-${chunkSize}`);
  const store = new ChunkBackupStore({ chunkSize });
  const tracker = await DirtyTracker.open(join(work, `dirty-${chunkSize}`), { granularity: chunkSize });
  const uuid = "vol";
  const rows: Row[] = [];
  const cs = `${chunkSize / MiB} MiB chunks`;

  let token = tracker.beginBackup(uuid, undefined);
  const full = await timed(() => store.write({ storageDir, backupId: "full", sourcePath: vol, size }));
  await tracker.commitBackup(token, "full");
  rows.push({ what: `Full backup (${cs})`, result: `${fmt(mbps(size, full.ms))} MB/s`, note: `${fmt(full.ms / 1000, 2)} s; ${fmt((100 * mbps(size, full.ms)) / baseline.sha)}% of sha256sum (target ≥ 70%)` });

  // The workload is fixed across chunk sizes: 1% of the volume's 4 MiB blocks get a 64 KiB write.
  const touched = await touchBlocks(vol, size, 4 * MiB, 0.01, tracker, uuid);
  token = tracker.beginBackup(uuid, "full");
  const inc = await timed(() => store.write({ storageDir, backupId: "inc1", sourcePath: vol, size, parentId: "full", changed: token.changed! }));
  await tracker.commitBackup(token, "inc1");
  rows.push({
    what: `Incremental after 1% of 4 MiB blocks changed (${cs})`,
    result: `${fmt(inc.ms, 0)} ms`,
    note: `${touched} of ${Math.ceil(size / chunkSize)} blocks written; ${fmt((100 * inc.ms) / full.ms, 1)}% of the full backup time (target ≤ 5%); mode ${inc.value.mode}, ${fmt(inc.value.storedSize / MiB, 1)} MiB stored`,
  });

  const writes = await scatterWrites(vol, size, 0.01, tracker, uuid);
  token = tracker.beginBackup(uuid, "inc1");
  const scat = await timed(() => store.write({ storageDir, backupId: "inc2", sourcePath: vol, size, parentId: "inc1", changed: token.changed! }));
  await tracker.commitBackup(token, "inc2");
  rows.push({
    what: `Incremental after 1% of bytes changed as scattered 4 KiB writes (${cs})`,
    result: `${fmt(scat.ms, 0)} ms`,
    note: `${writes} writes; ${fmt((100 * scat.ms) / full.ms, 1)}% of full time — scattered writes dirty most chunks, so this is close to a full read`,
  });

  const out = join(work, `restored-${chunkSize}.raw`);
  const restore = await timed(() => store.restore(storageDir, "inc2", out));
  rows.push({ what: `Restore (${cs})`, result: `${fmt(mbps(size, restore.ms))} MB/s`, note: `${fmt(restore.ms / 1000, 2)} s, every chunk re-hashed; ${fmt((100 * mbps(size, restore.ms)) / baseline.sha)}% of sha256sum (target ≥ 70%)` });
  rmSync(out, { force: true });

  // Dedup: an identical clone (another VM from the same image) backed up into the same storage.
  const clone = join(work, "clone.raw");
  execFileSync("cp", [vol, clone]);
  const dup = await timed(() => store.write({ storageDir, backupId: "clone", sourcePath: clone, size }));
  rmSync(clone, { force: true });
  const logical = 4 * size;
  const physical = await store.chunkBytes(storageDir);
  rows.push({
    what: `Dedup ratio (${cs})`,
    result: `${fmt(logical / physical, 2)} : 1`,
    note: `4 backups (full, 2 incrementals, identical clone) = ${fmt(logical / MiB)} MiB logical in ${fmt(physical / MiB)} MiB of chunks; clone backup stored ${dup.value.storedSize} bytes in ${fmt(dup.ms / 1000, 2)} s`,
  });
  const verify = await timed(() => store.verify(storageDir));
  rows.push({ what: `Verify all (${cs})`, result: `${fmt(mbps(verify.value.bytesChecked, verify.ms))} MB/s`, note: `${verify.value.chunksChecked} chunks, ok=${verify.value.ok}` });
  await tracker.close();
  rmSync(storageDir, { recursive: true, force: true });
  return rows;
}

async function compressionRows(): Promise<Row[]> {
  // A realistic mixed sample: binaries and text from the system image, 64 MiB.
  const files: string[] = [];
  for (const d of ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share/doc"]) {
    try {
      for (const e of await readdir(d, { withFileTypes: true, recursive: true })) if (e.isFile()) files.push(join(e.parentPath, e.name));
    } catch {
      /* absent on this system */
    }
  }
  const parts: Buffer[] = [];
  let total = 0;
  for (const f of files) {
    if (total >= 64 * MiB) break;
    try {
      const b = await readFile(f);
      parts.push(b);
      total += b.length;
    } catch {
      /* unreadable */
    }
  }
  const sample = Buffer.concat(parts).subarray(0, 64 * MiB);
  const rows: Row[] = [];
  for (const [name, fn] of [
    ["deflate level 1", (b: Buffer) => deflateSync(b, { level: 1 })],
    ["deflate level 6", (b: Buffer) => deflateSync(b, { level: 6 })],
    ["brotli quality 1", (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })],
  ] as const) {
    let out = 0;
    const t = await timed(() => {
      for (let o = 0; o < sample.length; o += 4 * MiB) out += fn(sample.subarray(o, o + 4 * MiB)).length;
    });
    rows.push({ what: `Compression: ${name}`, result: `${fmt(mbps(sample.length, t.ms))} MB/s`, note: `ratio ${fmt(sample.length / out, 2)} : 1 on ${fmt(sample.length / MiB)} MiB of /usr binaries and docs (one core)` });
  }
  return rows;
}

async function main(): Promise<void> {
  const size = parseBytes(arg("size", "4GiB"));
  const chunkSizes = arg("chunk-sizes", "4MiB").split(",").map(parseBytes);
  const work = mkdtempSync(join(arg("dir", tmpdir()), "backplan-storage-bench-"));
  try {
    const vol = join(work, "vol.raw");
    await fillRandom(vol, size);
    // Warm the page cache for everyone alike.
    execFileSync("cat", [vol], { stdio: ["ignore", "ignore", "inherit"] });
    const sha = await timed(() => execFileSync("sha256sum", [vol]));
    const cp = await timed(() => execFileSync("cp", [vol, join(work, "cp.raw")]));
    rmSync(join(work, "cp.raw"), { force: true });
    const baseline = { sha: mbps(size, sha.ms), cp: mbps(size, cp.ms) };
    const rows: Row[] = [
      { what: "sha256sum (baseline)", result: `${fmt(baseline.sha)} MB/s`, note: `${fmt(sha.ms / 1000, 2)} s` },
      { what: "cp (baseline)", result: `${fmt(baseline.cp)} MB/s`, note: `${fmt(cp.ms / 1000, 2)} s, no fsync` },
    ];
    for (const cs of chunkSizes) rows.push(...(await benchChunkSize(work, vol, size, cs, baseline)));
    if (process.argv.includes("--compression")) rows.push(...(await compressionRows()));
    const lines = [
      `Volume ${fmt(size / MiB)} MiB of random data, Node ${process.version}, ${new Date().toISOString()}; MB/s = MiB/s; ` +
        `load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" / ")} on ${availableParallelism()} cores (the machine is shared: compare rows of one run, not runs).`,
      "",
      "| Measurement | Result | Notes |",
      "|---|---|---|",
      ...rows.map((r) => `| ${r.what} | ${r.result} | ${r.note} |`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
