import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { chunkBackendFor } from "./chunk-backends.js";
import { coordinationFor } from "./coordination-binding.js";
import { readdirOrEmpty, sweepStaleTmp } from "./durable-file.js";
import { layout } from "./layout.js";
import { decodeManifest, type VolumeManifest } from "./manifest.js";

/** A manifest file found in a backup storage, with who owns it. */
export interface ManifestFile {
  path: string;
  /** The backup id, or `cdp:<task>` for a CDP base copy. */
  owner: string;
}

/**
 * Every manifest that keeps chunks alive: volume backups (`manifests/*.json`) and CDP base copies
 * (`cdp/<task>/base-<generation>/*.json`).
 */
export async function allManifestFiles(storageDir: string): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  const mdir = layout.manifests(storageDir);
  for (const n of await readdirOrEmpty(mdir)) {
    if (n.endsWith(".json")) out.push({ path: join(mdir, n), owner: n.slice(0, -".json".length) });
  }
  const cdp = layout.cdpRoot(storageDir);
  for (const task of await readdirOrEmpty(cdp)) {
    for (const gen of await readdirOrEmpty(join(cdp, task))) {
      if (!gen.startsWith("base-")) continue;
      for (const n of await readdirOrEmpty(join(cdp, task, gen))) {
        if (n.endsWith(".json")) out.push({ path: join(cdp, task, gen, n), owner: `cdp:${task}` });
      }
    }
  }
  return out;
}

export async function loadManifest(path: string): Promise<VolumeManifest> {
  return decodeManifest(await readFile(path, "utf8"), path);
}

export interface GcReport {
  chunksBefore: number;
  chunksRemoved: number;
  bytesRemoved: number;
  tmpFilesRemoved: number;
  /** Pins of operations a crash interrupted, removed with the chunks only they kept. */
  stalePinsRemoved: number;
}

/** Chunks deleted between two confirmations that the exclusive lock is still held. */
const DELETE_SLICE = 256;

/**
 * Deletes every chunk no manifest and no live pin references (mark and sweep), under the storage's exclusive
 * lock: in-flight backups and restores pin the chunks they hold (pins.ts), so they need not hold the lock while
 * they are throttled. A manifest that cannot be read aborts the collection before anything is deleted:
 * unreadable metadata must never turn into lost data. A manifest listed but gone when read (ENOENT) was
 * deleted meanwhile — deletes remove manifests without the lock — and keeps nothing alive. Killing the process
 * mid-way leaves only unreferenced chunks behind, which the next run removes. Deletes go in slices, each after
 * confirming the lock is still held (a cluster lock can be lost with its connection: see coordination.ts).
 */
export async function collectGarbage(storageDir: string): Promise<GcReport> {
  const store = await chunkBackendFor(storageDir);
  const coordination = await coordinationFor(storageDir);
  return coordination.lock(storageDir).exclusive(async (hold) => {
    const pins = await coordination.scanPins(storageDir);
    const live = pins.live;
    for (const f of await allManifestFiles(storageDir)) {
      let m: VolumeManifest;
      try {
        m = await loadManifest(f.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw e;
      }
      for (const c of m.chunks) if (c !== null) live.add(c);
    }
    const all = await store.list();
    const dead = all.filter((h) => !live.has(h));
    let bytesRemoved = 0;
    for (const h of dead) bytesRemoved += (await store.sizeOf(h)) ?? 0;
    for (let i = 0; i < dead.length; i += DELETE_SLICE) {
      await hold.confirm();
      await store.removeMany(dead.slice(i, i + DELETE_SLICE));
    }
    const leftover = (name: string) => coordination.tmpIsLeftover(name);
    const tmpFilesRemoved = (await store.sweepTmp(leftover)) + (await sweepStaleTmp(layout.manifests(storageDir), leftover));
    await coordination.removeStalePins(storageDir, pins.stale);
    return { chunksBefore: all.length, chunksRemoved: dead.length, bytesRemoved, tmpFilesRemoved, stalePinsRemoved: pins.stale.length };
  });
}
