import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ChunkStore } from "./chunk-store.js";
import { readdirOrEmpty, sweepStaleTmp } from "./durable-file.js";
import { layout } from "./layout.js";
import { decodeManifest, type VolumeManifest } from "./manifest.js";
import { StoreLock } from "./store-lock.js";

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
}

/**
 * Deletes every chunk no manifest references, under the storage's exclusive lock (so no backup is between
 * storing a chunk and publishing the manifest that references it). A manifest that cannot be read aborts the
 * collection before anything is deleted: unreadable metadata must never turn into lost data. Killing the
 * process mid-way leaves only unreferenced chunks behind, which the next run removes.
 */
export async function collectGarbage(storageDir: string): Promise<GcReport> {
  const store = new ChunkStore(layout.chunks(storageDir));
  return new StoreLock(layout.locks(storageDir)).exclusive(async () => {
    const live = new Set<string>();
    for (const f of await allManifestFiles(storageDir)) {
      for (const c of (await loadManifest(f.path)).chunks) if (c !== null) live.add(c);
    }
    const all = await store.list();
    const dead = all.filter((h) => !live.has(h));
    let bytesRemoved = 0;
    for (const h of dead) bytesRemoved += (await store.sizeOf(h)) ?? 0;
    await store.removeMany(dead);
    const tmpFilesRemoved = (await store.sweepTmp()) + (await sweepStaleTmp(layout.manifests(storageDir)));
    return { chunksBefore: all.length, chunksRemoved: dead.length, bytesRemoved, tmpFilesRemoved };
  });
}
