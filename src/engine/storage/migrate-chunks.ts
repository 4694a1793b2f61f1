import type { S3Client } from "@aws-sdk/client-s3";
import { join } from "node:path";
import { recordLocation, recordedLocation } from "./chunk-backends.js";
import { ChunkStore } from "./chunk-store.js";
import { coordinationFor } from "./coordination-binding.js";
import { StorageError } from "./errors.js";
import { layout } from "./layout.js";
import { s3StoreFor } from "./object-store-binding.js";
import { targetName, type ObjectStoreTarget } from "./object-store-url.js";
import { storagesUnder } from "./root-bindings.js";

/** Chunks copied at once. */
const COPY_CONCURRENCY = 8;

export interface StorageMigration {
  storageDir: string;
  /** Chunk files in the storage's local `chunks/`. */
  localChunks: number;
  /** Of those, copied by this run. */
  copied: number;
  bytesCopied: number;
  /** Of those, already in the bucket (an earlier, perhaps interrupted, run copied them). */
  alreadyThere: number;
  /** Local chunks that could not be copied (missing meanwhile, or their bytes no longer match their name). */
  problems: { hash: string; detail: string }[];
  /** Whether the storage now records the object store as its chunk location (only when every chunk made it). */
  switched: boolean;
}

export interface MigrateChunksInput {
  /** An embedded engine's data dir: its backup storages are `<dataDir>/backup/<uuid>`. */
  dataDir: string;
  target: ObjectStoreTarget;
  client: S3Client;
  /** Told after each storage. */
  onStorage?: (m: StorageMigration) => void;
}

/**
 * Copies the local chunks of every backup storage of a stopped engine into the object store, under the keys an
 * engine started with `--chunks` for `target` reads (chunk-backends.ts), and then records that location in the
 * storage. Idempotent and resumable: what the bucket already lists is not copied again, so a second run after
 * an interruption copies only the rest and a run after a complete one copies nothing. Every chunk is re-hashed
 * on the way (a damaged local chunk is reported, never copied), and a storage is switched only when all of its
 * chunks are in the bucket. The local chunks are left in place: remove them once `engine verify` passes.
 *
 * Each storage is copied under its exclusive lock, so a GC (of an engine that should not be running) cannot
 * delete chunks under it. Throws `invalid_argument` when a storage already records another location.
 */
export async function migrateChunks(input: MigrateChunksInput): Promise<StorageMigration[]> {
  const want = targetName(input.target);
  const out: StorageMigration[] = [];
  for (const storageDir of await storagesUnder(join(input.dataDir, "backup"))) {
    const recorded = await recordedLocation(storageDir);
    if (recorded !== undefined && recorded !== want) {
      throw new StorageError("invalid_argument", `backup storage ${storageDir} already keeps its chunks in ${recorded}, not ${want}`, "to-chunks");
    }
    const m = await (await coordinationFor(storageDir)).lock(storageDir).exclusive(() => migrateStorage(storageDir, input));
    if (m.switched && recorded === undefined) await recordLocation(storageDir, input.target);
    input.onStorage?.(m);
    out.push(m);
  }
  return out;
}

async function migrateStorage(storageDir: string, input: MigrateChunksInput): Promise<StorageMigration> {
  const local = new ChunkStore(layout.chunks(storageDir));
  const remote = s3StoreFor(input.client, input.target, storageDir);
  const hashes = await local.list();
  const present = new Set(await remote.list());
  const todo = hashes.filter((h) => !present.has(h));
  const m: StorageMigration = { storageDir, localChunks: hashes.length, copied: 0, bytesCopied: 0, alreadyThere: hashes.length - todo.length, problems: [], switched: false };
  const batch = remote.batch();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < todo.length; i = next++) {
      const hash = todo[i]!;
      let data: Buffer;
      try {
        data = await local.read(hash, `backup storage ${storageDir}`);
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        m.problems.push({ hash, detail: e.message });
        continue;
      }
      const written = await batch.put(hash, data);
      if (written > 0) {
        m.copied++;
        m.bytesCopied += written;
      } else {
        m.alreadyThere++; // in the bucket though the listing did not show it yet
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, Math.max(1, todo.length)) }, worker));
  await batch.commit();
  m.switched = m.problems.length === 0;
  return m;
}
