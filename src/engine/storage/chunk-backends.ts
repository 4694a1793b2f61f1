import { readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import type { ChunkBackend } from "./chunk-backend.js";
import { ChunkStore } from "./chunk-store.js";
import { readIfExists, writeFileDurable } from "./durable-file.js";
import { StorageError } from "./errors.js";
import { layout } from "./layout.js";
import { targetName, type ObjectStoreTarget } from "./object-store-url.js";

/**
 * Which `ChunkBackend` holds a backup storage's chunks.
 *
 * Backup storages are opened by storage directory alone, from many places (backups, restores, CDP journals the
 * domain opens, GC, verify), so the choice cannot be threaded through every caller without changing the
 * domain. Instead an engine *binds* its backup root (`<data dir>/backup`) to an object store for as long as it
 * runs; `chunkBackendFor(dir)` answers the object store for the storages under a bound root and the local
 * `chunks/` directory for every other one — the embedded default, and what a process that bound nothing sees.
 * Two engines in one process (tests) bind different roots and do not see each other's binding.
 *
 * Each storage records its object-store location in `chunk-location.json` the first time it is used with one,
 * so a storage is never read from the wrong place: an engine started without `--chunks` on a storage whose
 * chunks are in a bucket refuses to start, and so does one started with `--chunks` on a storage that still
 * keeps chunks locally (copy them first: `backplan engine migrate`).
 */

interface Binding {
  readonly target: ObjectStoreTarget;
  readonly open: (storageDir: string) => ChunkBackend;
  /** Per storage dir, its backend once the storage's location record checked out. */
  readonly stores: Map<string, Promise<ChunkBackend>>;
}

const bindings = new Map<string, Binding>();

/**
 * Keeps the chunks of every storage directly under `backupRoot` in `target`, opened by `open`, until the
 * returned function is called. The S3 client side lives in object-store-binding.ts (`bindObjectStore`), so an
 * engine without `--chunks` never loads the AWS SDK.
 */
export function bindChunkRoot(backupRoot: string, target: ObjectStoreTarget, open: (storageDir: string) => ChunkBackend): () => void {
  const root = resolve(backupRoot);
  const bound = bindings.get(root);
  if (bound) throw new StorageError("invalid_argument", `${root} is already bound to ${targetName(bound.target)}`, "chunks");
  const binding: Binding = { target, open, stores: new Map() };
  bindings.set(root, binding);
  return () => {
    if (bindings.get(root) === binding) bindings.delete(root);
  };
}

/** The chunk backend of the backup storage in `storageDir` (see the module comment for how it is chosen). */
export function chunkBackendFor(storageDir: string): Promise<ChunkBackend> {
  const dir = resolve(storageDir);
  const binding = bindings.get(dirname(dir));
  if (!binding) return Promise.resolve(new ChunkStore(layout.chunks(dir)));
  let store = binding.stores.get(dir);
  if (!store) {
    store = claimStorage(dir, binding.target).then(() => binding.open(dir));
    // A failed claim is retried next time (the operator may have fixed the storage meanwhile).
    store.catch(() => binding.stores.delete(dir));
    binding.stores.set(dir, store);
  }
  return store;
}

const locationSchema = z.object({ format: z.literal("backplan-chunk-location/1"), url: z.string().startsWith("s3://") });

/** The object-store location a storage recorded (`s3://bucket/prefix/`), or undefined when its chunks are local. */
export async function recordedLocation(storageDir: string): Promise<string | undefined> {
  const path = layout.chunkLocation(storageDir);
  const data = await readIfExists(path);
  if (data === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString("utf8"));
  } catch {
    raw = undefined;
  }
  const parsed = locationSchema.safeParse(raw);
  if (!parsed.success) throw new StorageError("corrupt_metadata", `${path}: not a chunk location record (want {"format":"backplan-chunk-location/1","url":"s3://..."})`);
  return parsed.data.url;
}

/** Records durably that the storage's chunks live in `target`. */
export async function recordLocation(storageDir: string, target: ObjectStoreTarget): Promise<void> {
  await writeFileDurable(layout.chunkLocation(storageDir), `${JSON.stringify({ format: "backplan-chunk-location/1", url: targetName(target) })}\n`);
}

/** How many chunk files the storage keeps in its local `chunks/` directory. */
export async function localChunkCount(storageDir: string): Promise<number> {
  return (await new ChunkStore(layout.chunks(storageDir)).list()).length;
}

/**
 * Makes sure the storage may keep its chunks in `target`: it already records `target`, or it records nothing
 * and holds no local chunks (then `target` is recorded). Throws `invalid_argument` naming the storage otherwise.
 */
export async function claimStorage(storageDir: string, target: ObjectStoreTarget): Promise<void> {
  const want = targetName(target);
  const recorded = await recordedLocation(storageDir);
  if (recorded === want) return;
  if (recorded !== undefined) {
    throw new StorageError("invalid_argument", `backup storage ${storageDir} keeps its chunks in ${recorded}, not in ${want}: start the engine with that --chunks URL`, "chunks");
  }
  const local = await localChunkCount(storageDir);
  if (local > 0) {
    throw new StorageError(
      "invalid_argument",
      `backup storage ${storageDir} keeps ${local} chunks in ${layout.chunks(storageDir)}; copy them into ${want} first: backplan engine migrate --from DATA_DIR --to-chunks URL`,
      "chunks",
    );
  }
  await recordLocation(storageDir, target);
}

/**
 * Checked when an engine opens its data dir, before serving: with `target`, every existing storage under
 * `backupRoot` is claimed for it; without, no storage may record an object-store location (its chunks would
 * look missing). Throws `invalid_argument` naming the first storage that does not fit.
 */
export async function checkBackupRoot(backupRoot: string, target: ObjectStoreTarget | undefined): Promise<void> {
  const entries = await readdir(backupRoot, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  for (const name of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const dir = join(backupRoot, name);
    if (target) {
      await claimStorage(dir, target);
      continue;
    }
    const recorded = await recordedLocation(dir);
    if (recorded !== undefined) {
      throw new StorageError(
        "invalid_argument",
        `backup storage ${dir} keeps its chunks in ${recorded}: start the engine with --chunks ${recorded}?endpoint=... (or BACKPLAN_ENGINE_CHUNKS)`,
        "chunks",
      );
    }
  }
}
