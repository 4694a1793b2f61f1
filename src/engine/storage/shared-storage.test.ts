import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type Postgres } from "../../../test/support/postgres.js";
import { startTestS3, type TestS3 } from "../../../test/support/s3.js";
import type { StoredBackupInfo } from "./backup-store.js";
import { CdpJournal } from "./cdp-journal.js";
import { chunkHash } from "./chunk-backend.js";
import { openEngineStorage, type EngineStorage } from "./engine-storage.js";
import { StorageError } from "./errors.js";
import { layout } from "./layout.js";
import { storageRoots } from "./storage-roots.js";
import type { NodeChildConfig } from "./testdata/storage-node-child.js";
import { createSparse, randomBuffer, rng, sha256File, tempDir, writeAt } from "./testdata/volumes.js";

/**
 * Several engine nodes sharing backup storages, against real servers: OpenStack Swift with s3api (the chunks),
 * PostgreSQL 15 (pins and locks), and one directory standing for the shared mount (volumes, manifests, journals).
 * Each node has its own data dir. Nodes A and B of one test run in this process — they share the process's
 * bucket client and PostgreSQL coordination, as two engines of one process do — and a node that must be killed,
 * or must own pins of its own, runs as a child process.
 */

const CHILD = fileURLToPath(new URL("./testdata/storage-node-child.ts", import.meta.url));
const BUCKET = "shared";
const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

let s3: TestS3;
let pgsrv: Postgres;
let metadata: string;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  [s3, pgsrv] = await Promise.all([startTestS3(), startPostgres()]);
  await s3.bucket(BUCKET);
  metadata = await pgsrv.createDatabase("nodes");
}, 300_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await s3?.stop();
  await pgsrv?.stop();
});

function chunksUrl(prefix: string): string {
  return `s3://${BUCKET}/${prefix}?endpoint=${s3.endpoint}&region=${s3.region}&path_style=true&access_key=${encodeURIComponent(s3.accessKey)}&secret_key=${encodeURIComponent(s3.secretKey)}`;
}

function dir(prefix: string): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

/** One test's cluster: a shared primary-storage dir, a bucket prefix, one backup storage in the shared dir. */
interface Cluster {
  primary: string;
  prefix: string;
  storageDir: string;
  bsUuid: string;
}

async function cluster(): Promise<Cluster> {
  const primary = dir("backplan-shared-primary-");
  const bsUuid = randomUUID().replace(/-/g, "");
  const storageDir = join(storageRoots("/unused", primary).backup, bsUuid);
  await mkdir(storageDir, { recursive: true });
  return { primary, prefix: `lab-${bsUuid.slice(0, 8)}`, storageDir, bsUuid };
}

interface Node {
  dataDir: string;
  storage: EngineStorage;
  /** Writes into a volume file and announces it, as the node's Inventory does. */
  write(volumeUuid: string, path: string, offset: number, data: Buffer): Promise<void>;
}

async function openNode(c: Cluster, extra: { metadata?: string } = { metadata }): Promise<Node> {
  const dataDir = dir("backplan-node-");
  const writes = new EventEmitter();
  const storage = await openEngineStorage({
    dataDir,
    primaryStorage: c.primary,
    chunks: chunksUrl(c.prefix),
    ...extra,
    onWrite: (l) => {
      writes.on("w", l);
      return () => writes.off("w", l);
    },
    store: { chunkSize: CHUNK },
  });
  cleanups.push(() => storage.close());
  return {
    dataDir,
    storage,
    async write(volumeUuid, path, offset, data) {
      await writeAt(path, offset, data);
      writes.emit("w", { volumeUuid, offset, data });
    },
  };
}

/** A volume file on the shared primary storage with `size` bytes of seeded random data. */
async function volume(c: Cluster, name: string, size: number, seed: number): Promise<string> {
  const path = join(c.primary, "ps", `${name}.raw`);
  await mkdir(join(c.primary, "ps"), { recursive: true });
  await createSparse(path, size);
  await writeAt(path, 0, randomBuffer(rng(seed), size));
  return path;
}

/** The chunk hashes of a volume's content, as a backup with CHUNK-sized chunks names them. */
function chunksOf(size: number, seed: number): Set<string> {
  const data = randomBuffer(rng(seed), size);
  const out = new Set<string>();
  for (let at = 0; at < size; at += CHUNK) out.add(chunkHash(data.subarray(at, at + CHUNK)));
  return out;
}

/** The chunk hashes in the bucket under the cluster's storage. */
async function bucketChunks(c: Cluster): Promise<string[]> {
  const prefix = `${c.prefix}/${c.bsUuid}/chunks/`;
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) out.push(o.Key!.slice(prefix.length + 3));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort();
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Node A in a process of its own, taking one bandwidth-limited backup. */
function startNodeChild(cfg: NodeChildConfig): { child: ChildProcess; ready: Promise<void>; done: Promise<StoredBackupInfo> } {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(cfg)], { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => void child.kill("SIGKILL"));
  let out = "";
  let err = "";
  let onReady!: () => void;
  let onDone!: (i: StoredBackupInfo) => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const done = new Promise<StoredBackupInfo>((r, f) => {
    onDone = r;
    onFail = f;
  });
  done.catch(() => undefined);
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("ready\n")) onReady();
    const m = /done (.*)\n/.exec(out);
    if (m) onDone(JSON.parse(m[1]!) as StoredBackupInfo);
  });
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.on("exit", (code, signal) => onFail(new Error(`node child ended (${code ?? signal}): ${err}`)));
  return { child, ready, done };
}

describe("backup storages shared by engine nodes (Swift + PostgreSQL + a shared directory)", { timeout: 180_000 }, () => {
  it("a backup taken on node A restores byte-exact on node B, which lists and verifies it; the files are on the shared dir", async () => {
    const c = await cluster();
    const [a, b] = [await openNode(c), await openNode(c)];
    const vol = await volume(c, "v1", MiB, 1);
    const info = await a.storage.backupStore.write({ storageDir: c.storageDir, backupId: "b1", sourcePath: vol, size: MiB, volumeUuid: "v1" });
    expect(info).toMatchObject({ mode: "full", installPath: layout.manifest(c.storageDir, "b1") });

    const out = join(b.dataDir, "restored.raw");
    await b.storage.backupStore.restore(c.storageDir, "b1", out);
    expect(await sha256File(out)).toBe(await sha256File(vol));
    expect(await b.storage.backupStore.list(c.storageDir)).toEqual(["b1"]);
    expect(await b.storage.backupStore.verify(c.storageDir)).toMatchObject({ ok: true, backupsChecked: 1, chunksChecked: 16 });
    expect(await b.storage.backupStore.gc(c.storageDir)).toMatchObject({ chunksBefore: 16, chunksRemoved: 0 });
    expect(await bucketChunks(c)).toEqual([...chunksOf(MiB, 1)].sort());

    // What lives where: the storage on the shared dir records its bucket and its coordination; no pin or lock
    // files (they are rows and advisory locks), nothing in either node's data dir but its own dirty-free state.
    expect((await readdir(c.storageDir)).sort()).toEqual(["chunk-location.json", "coordination.json", "manifests"]);
    expect(existsSync(join(a.dataDir, "backup"))).toBe(false);
    expect(existsSync(join(a.dataDir, "dirty"))).toBe(false); // no tracker: a node sees only its own writes
    expect(a.storage.tracker).toBeUndefined();
    expect(a.storage.roots).toEqual({ primary: c.primary, backup: join(c.primary, "backup") });
  });

  it("writes that went through node A are in the incremental backup node B takes, which stores only the changed chunks", async () => {
    const c = await cluster();
    const [a, b] = [await openNode(c), await openNode(c)];
    const size = 2 * MiB;
    const vol = await volume(c, "v2", size, 2);
    expect(await b.storage.backupStore.write({ storageDir: c.storageDir, backupId: "full", sourcePath: vol, size, volumeUuid: "v2" })).toMatchObject({ mode: "full", storedSize: size });

    // Two chunks change, through A only (B's process never hears of these writes).
    await a.write("v2", vol, 3 * CHUNK + 100, Buffer.from("written on node A"));
    await a.write("v2", vol, 20 * CHUNK, randomBuffer(rng(22), 1000));
    const incr = await b.storage.backupStore.write({ storageDir: c.storageDir, backupId: "incr", sourcePath: vol, size, parentId: "full", volumeUuid: "v2" });
    expect(incr).toEqual({ mode: "incremental", storedSize: 2 * CHUNK, installPath: layout.manifest(c.storageDir, "incr") });
    expect((await bucketChunks(c)).length).toBe(32 + 2);

    const out = join(a.dataDir, "incr.raw");
    await a.storage.backupStore.restore(c.storageDir, "incr", out);
    expect(await sha256File(out)).toBe(await sha256File(vol));
  });

  it("a backup in flight on node A keeps its chunks while node B deletes another backup and collects", async () => {
    const c = await cluster();
    const b = await openNode(c);
    const oldVol = await volume(c, "old", MiB, 3);
    await b.storage.backupStore.write({ storageDir: c.storageDir, backupId: "old", sourcePath: oldVol, size: MiB });
    const oldChunks = chunksOf(MiB, 3);
    expect(await bucketChunks(c)).toEqual([...oldChunks].sort());

    const size = 2 * MiB;
    const vol = await volume(c, "inflight", size, 4);
    const mine = chunksOf(size, 4);
    const a = startNodeChild({
      dataDir: dir("backplan-node-a-"),
      primaryStorage: c.primary,
      chunks: chunksUrl(c.prefix),
      metadata,
      pinLeaseMs: 60_000,
      chunkSize: CHUNK,
      storageDir: c.storageDir,
      backupId: "inflight",
      sourcePath: vol,
      size,
      networkWriteBandwidth: 256 * 1024, // 32 chunks of 64 KiB: a burst of four, then four a second
    });
    await a.ready;
    const uploaded = await until("node A's first chunks in the bucket", 60_000, async () => {
      const now = (await bucketChunks(c)).filter((h) => mine.has(h));
      return now.length >= 6 ? now : undefined;
    });

    await b.storage.backupStore.remove(c.storageDir, "old"); // collects garbage under the cluster-wide lock
    const after = await bucketChunks(c);
    expect(after.filter((h) => oldChunks.has(h))).toEqual([]); // the deleted backup's chunks went
    for (const h of uploaded) expect(after).toContain(h); // A's chunks, referenced by no manifest yet, stayed
    expect(after.every((h) => mine.has(h))).toBe(true);
    expect(after.length).toBeLessThan(mine.size); // A was still uploading when B collected

    expect(await a.done).toMatchObject({ mode: "full", storedSize: size });
    expect(await bucketChunks(c)).toEqual([...mine].sort());
    const out = join(b.dataDir, "inflight.raw");
    await b.storage.backupStore.restore(c.storageDir, "inflight", out);
    expect(await sha256File(out)).toBe(await sha256File(vol));
    expect(await b.storage.backupStore.verify(c.storageDir)).toMatchObject({ ok: true, backupsChecked: 1, chunksChecked: 32 });
  });

  it("the pins of a killed node protect its chunks until its lease runs out, then GC on another node removes them", async () => {
    const c = await cluster();
    const b = await openNode(c);
    const size = 2 * MiB;
    const vol = await volume(c, "doomed", size, 5);
    const mine = chunksOf(size, 5);
    const lease = 5_000;
    const a = startNodeChild({
      dataDir: dir("backplan-node-a-"),
      primaryStorage: c.primary,
      chunks: chunksUrl(c.prefix),
      metadata,
      pinLeaseMs: lease,
      chunkSize: CHUNK,
      storageDir: c.storageDir,
      backupId: "doomed",
      sourcePath: vol,
      size,
      networkWriteBandwidth: 128 * 1024,
    });
    await a.ready;
    await until("node A's first chunks in the bucket", 60_000, async () => ((await bucketChunks(c)).length >= 4 ? true : undefined));
    a.child.kill("SIGKILL");
    const killedAt = Date.now();
    await a.done.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // a PUT the kill cut off has landed or failed by now
    const left = await bucketChunks(c);
    expect(left.every((h) => mine.has(h))).toBe(true);

    // Right after the kill the lease still runs (renewed every lease/4): nothing of A's goes.
    expect(await b.storage.backupStore.gc(c.storageDir)).toMatchObject({ chunksRemoved: 0, stalePinsRemoved: 0 });
    expect(await bucketChunks(c)).toEqual(left);
    // Within the lease (plus a GC round) they are collected, and the dead pins with them.
    const report = await until("the killed node's chunks collected", lease + 10_000, async () => {
      const r = await b.storage.backupStore.gc(c.storageDir);
      return r.chunksRemoved > 0 ? r : undefined;
    });
    expect(Date.now() - killedAt).toBeLessThan(lease + 5_000);
    expect(report).toMatchObject({ chunksRemoved: left.length, stalePinsRemoved: 1 });
    expect(await bucketChunks(c)).toEqual([]);
    expect(await b.storage.backupStore.list(c.storageDir)).toEqual([]);
  });

  it("a CDP journal written on node A (never closed: the node died) is read on node B", async () => {
    const c = await cluster();
    await openNode(c); // node A: the journal below goes through the bucket and coordination A bound
    const b = await openNode(c);
    const size = MiB;
    const vol = await volume(c, "cdp", size, 6);
    const journal = await CdpJournal.open(c.storageDir, "task-1", { chunkSize: CHUNK });
    await journal.start([{ uuid: "cv", path: vol, size }]);
    const data = Buffer.from("acknowledged on A");
    await writeAt(vol, 5000, data);
    await journal.append({ volumeUuid: "cv", offset: 5000, data });
    const point = await journal.cutRecoveryPoint();
    const expected = await sha256File(vol);
    await writeAt(vol, 9000, Buffer.from("after the point"));

    const onB = await CdpJournal.open(c.storageDir, "task-1", { chunkSize: CHUNK });
    expect(onB.recoveryPoints().map((p) => p.groupId)).toContain(point.groupId);
    const out = join(b.dataDir, "cdp.raw");
    await onB.materialize(point.groupId, "cv", out);
    expect(await sha256File(out)).toBe(expected);
    await onB.close();
    await journal.close();
  });

  it("an engine coordinated by files refuses the storages PostgreSQL-coordinated engines share", async () => {
    const c = await cluster();
    const a = await openNode(c);
    const vol = await volume(c, "v7", MiB, 7);
    await a.storage.backupStore.write({ storageDir: c.storageDir, backupId: "b7", sourcePath: vol, size: MiB });
    const e = await openNode(c, {}).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).field).toBe("metadata");
    expect((e as StorageError).message).toContain(`backup storage ${c.storageDir} is shared by engines coordinated through PostgreSQL`);
  });
});
