/**
 * Storage benchmark (not part of the test suite): full backup, incremental after 1% change, restore and dedup
 * of the chunk store, beside `cp` and `sha256sum` on the same file in the same run.
 *
 *   node --import tsx test/bench/storage.bench.ts [--size 4GiB] [--dir /tmp] [--chunk-sizes 4MiB] [--compression] [--no-cdp]
 *
 * It also runs a real engine (in this process, over HTTP on 127.0.0.1) to measure CDP: the admin write route's
 * throughput without and with a running CDP task journaling the volume, and the RPO the task reaches
 * (`lastLatency`: oldest write not yet in a point → the point that covers it) with a 1-second policy.
 *
 * Prints Markdown tables. The volume is incompressible random data with no holes (the worst case for the store:
 * nothing to skip, nothing to deduplicate within a volume). All files are in the page cache when measured, as
 * they are for sha256sum; every store write is fsync'd, `cp` is not.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { brotliCompressSync, constants, deflateSync } from "node:zlib";
import { startEngine } from "../../src/engine/server.js";
import { engineServices } from "../../src/engine/domain/services.js";
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

/**
 * CDP write overhead and RPO on a real engine: `seconds` of sequential 256 KiB admin writes (each fsync'd by the
 * engine) into a 64 MiB volume, first unprotected, then while a CDP task with a 1-second policy journals it.
 */
async function cdpRows(work: string, seconds = 4): Promise<Row[]> {
  const engine = await startEngine({ dataDir: join(work, "engine"), host: "127.0.0.1", port: 0, demo: true });
  try {
    const login = await fetch(`${engine.url}/zstack/v1/accounts/login`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ logInByAccount: { accountName: "admin", password: createHash("sha512").update("password").digest("hex") } }),
    });
    const auth = { authorization: `OAuth ${((await login.json()) as { inventory: { uuid: string } }).inventory.uuid}` };
    const volSize = 64 * MiB;
    const made = await fetch(`${engine.url}/engine/v1/vms`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ name: "bench", volumes: [{ size: volSize }] }) });
    const vm = ((await made.json()) as { inventory: { uuid: string; rootVolumeUuid: string } }).inventory;
    const block = 256 * 1024;
    const payload = randomBytes(block);
    const writeFor = async (ms: number): Promise<{ bytes: number; ms: number; writes: number }> => {
      const started = performance.now();
      let offset = 0;
      let writes = 0;
      while (performance.now() - started < ms) {
        const r = await fetch(`${engine.url}/engine/v1/volumes/${vm.rootVolumeUuid}/data?offset=${offset}`, { method: "PUT", headers: auth, body: payload });
        if (r.status !== 200) throw new Error(`admin write failed: ${r.status} ${await r.text()}`);
        offset = (offset + block) % volSize;
        writes++;
      }
      return { bytes: writes * block, ms: performance.now() - started, writes };
    };
    const plain = await writeFor(seconds * 1000);
    const { cdp } = engineServices(engine.context);
    const bs = engine.context.inventory.backupStorages.all()[0]!;
    const policy = cdp.createPolicy({ name: "bench-1s", recoveryPointPerSecond: 1 });
    const task = cdp.createTask({ name: "bench", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid], maxLatency: 1000 });
    while (cdp.tasks.get(task.uuid)?.status !== "Running") await new Promise((r) => setTimeout(r, 20));
    const lags = new Map<number, number>();
    const sampler = setInterval(() => {
      const t = cdp.tasks.get(task.uuid);
      if (t && t.lastGroupId > 1) lags.set(t.lastGroupId, t.lastLatency);
    }, 50);
    const journaled = await writeFor(seconds * 1000);
    await new Promise((r) => setTimeout(r, 2500)); // the points covering the last writes
    clearInterval(sampler);
    const rpo = [...lags.values()].filter((l) => l > 0);
    const used = cdp.tasks.get(task.uuid)!.usedCapacity;
    const rows: Row[] = [
      { what: "Admin writes, no CDP (256 KiB each, fsync'd)", result: `${fmt(mbps(plain.bytes, plain.ms), 1)} MB/s`, note: `${plain.writes} writes in ${fmt(plain.ms / 1000, 1)} s over HTTP` },
      {
        what: "Admin writes, CDP task journaling the volume",
        result: `${fmt(mbps(journaled.bytes, journaled.ms), 1)} MB/s`,
        note: `${journaled.writes} writes; ${fmt((100 * mbps(journaled.bytes, journaled.ms)) / mbps(plain.bytes, plain.ms))}% of the unprotected rate; journal + base ${fmt(used / MiB, 1)} MiB`,
      },
      {
        what: "CDP RPO (1 s policy, maxLatency 1000 ms)",
        result: rpo.length ? `max ${fmt(Math.max(...rpo))} ms` : "no point covered a write",
        note: rpo.length ? `mean ${fmt(rpo.reduce((a, b) => a + b, 0) / rpo.length)} ms over ${rpo.length} points (lastLatency: oldest uncovered write → its point)` : "",
      },
    ];
    await cdp.deleteTask(task.uuid);
    return rows;
  } finally {
    await engine.close();
  }
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
    if (!process.argv.includes("--no-cdp")) rows.push(...(await cdpRows(work)));
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
