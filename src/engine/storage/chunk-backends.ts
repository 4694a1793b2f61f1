import type { S3Client } from "@aws-sdk/client-s3";
import { resolve } from "node:path";
import { z } from "zod";
import type { ChunkBackend } from "./chunk-backend.js";
import { ChunkStore } from "./chunk-store.js";
import { writeFileDurable } from "./durable-file.js";
import { StorageError } from "./errors.js";
import { layout } from "./layout.js";
import { targetName, type ObjectStoreTarget } from "./object-store-url.js";
import { readRecordFile } from "./record-file.js";
import { RootBindings, storagesUnder } from "./root-bindings.js";

/**
 * Which `ChunkBackend` holds a backup storage's chunks.
 *
 * An engine *binds* its backup roots (`<data dir>/backup`, and `<primary storage>/backup` with
 * `--primary-storage`) to an object store for as long as it runs (root-bindings.ts says why by root);
 * `chunkBackendFor(dir)` answers the object store for the storages under a bound root and the local `chunks/`
 * directory for every other one — the embedded default, and what a process that bound nothing sees. Engines in
 * one process that bind different roots do not see each other's binding; engines that bind the same root to the
 * same bucket and prefix share it.
 *
 * Each storage records its object-store location in `chunk-location.json` the first time it is used with one,
 * so a storage is never read from the wrong place: an engine started without `--chunks` on a storage whose
 * chunks are in a bucket refuses to start, and so does one started with `--chunks` on a storage that still
 * keeps chunks locally (copy them first: `backplan engine migrate`).
 */

/** What an object-store binding of a root holds: the bucket, a client for it, and how a storage's backend is made. */
export interface ObjectStoreRoot {
  readonly target: ObjectStoreTarget;
  readonly client: S3Client;
  readonly open: (storageDir: string) => ChunkBackend;
}

interface Binding {
  readonly root: ObjectStoreRoot;
  /** Per storage dir, its backend once the storage's location record checked out. */
  readonly stores: Map<string, Promise<ChunkBackend>>;
}

const bindings = new RootBindings<Binding>("chunks");

/**
 * Keeps the chunks of every storage directly under each of `backupRoots` in `target` until the returned release
 * is called: with the root `create()` makes, or the one already bound for the same bucket and prefix (then
 * `create` is not called). `dispose` runs when the last holder released it. The S3 client side lives in
 * object-store-binding.ts (`bindObjectStore`), so an engine without `--chunks` never loads the AWS SDK.
 */
export function bindChunkRoots(
  backupRoots: readonly string[],
  target: ObjectStoreTarget,
  create: () => ObjectStoreRoot,
  dispose: (root: ObjectStoreRoot) => void,
): { root: ObjectStoreRoot; release: () => Promise<void> } {
  const bound = bindings.bind(
    backupRoots,
    targetName(target),
    () => ({ root: create(), stores: new Map() }),
    (b) => dispose(b.root),
  );
  return { root: bound.value.root, release: bound.release };
}

/** The chunk backend of the backup storage in `storageDir` (see the module comment for how it is chosen). */
export function chunkBackendFor(storageDir: string): Promise<ChunkBackend> {
  const dir = resolve(storageDir);
  const binding = bindings.forStorage(dir);
  if (!binding) return Promise.resolve(new ChunkStore(layout.chunks(dir)));
  let store = binding.stores.get(dir);
  if (!store) {
    store = claimStorage(dir, binding.root.target).then(() => binding.root.open(dir));
    // A failed claim is retried next time (the operator may have fixed the storage meanwhile).
    store.catch(() => binding.stores.delete(dir));
    binding.stores.set(dir, store);
  }
  return store;
}

const locationSchema = z.object({ format: z.literal("backplan-chunk-location/1"), url: z.string().startsWith("s3://") });

/** The object-store location a storage recorded (`s3://bucket/prefix/`), or undefined when its chunks are local. */
export async function recordedLocation(storageDir: string): Promise<string | undefined> {
  const record = await readRecordFile(layout.chunkLocation(storageDir), locationSchema, 'chunk location record (want {"format":"backplan-chunk-location/1","url":"s3://..."})');
  return record?.url;
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
  for (const dir of await storagesUnder(backupRoot)) {
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
