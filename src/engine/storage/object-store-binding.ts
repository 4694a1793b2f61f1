import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { basename } from "node:path";
import { bindChunkRoot, type ObjectStoreRoot } from "./chunk-backends.js";
import { StorageError } from "./errors.js";
import { redactUrl, targetName, type ObjectStoreTarget } from "./object-store-url.js";
import { S3ChunkStore, createS3Client } from "./s3-chunk-store.js";

export interface ObjectStoreBinding {
  readonly target: ObjectStoreTarget;
  /** A client for the bucket (the first root's). */
  readonly client: S3Client;
  /** Unbinds the roots; a client is closed when no engine of the process binds its root any more. */
  release(): void;
}

/**
 * Keeps the chunks of every storage directly under each of `backupRoots` in `target` until `release()`
 * (chunk-backends.ts). A root another engine of this process already bound to the same bucket and prefix is
 * shared with it, client included.
 */
export function bindObjectStore(backupRoots: string | readonly string[], target: ObjectStoreTarget): ObjectStoreBinding {
  const roots = typeof backupRoots === "string" ? [backupRoots] : [...new Set(backupRoots)];
  if (roots.length === 0) throw new StorageError("invalid_argument", "no backup root to bind", "chunks");
  const bound: { root: ObjectStoreRoot; release: () => void }[] = [];
  const release = () => {
    for (const b of bound.splice(0)) b.release();
  };
  try {
    for (const r of roots) {
      bound.push(
        bindChunkRoot(
          r,
          target,
          () => {
            const client = createS3Client(target);
            return { target, client, open: (dir) => s3StoreFor(client, target, dir) };
          },
          (root) => root.client.destroy(),
        ),
      );
    }
  } catch (e) {
    release();
    throw e;
  }
  return { target, client: bound[0]!.root.client, release };
}

/**
 * `bindObjectStore` once the bucket answered (`HeadBucket`), so a wrong endpoint, bucket or credential fails the
 * start, not the first backup. Throws `invalid_argument` (field `chunks`) naming the bucket and the answer.
 */
export async function openObjectStore(backupRoots: string | readonly string[], target: ObjectStoreTarget, url: string): Promise<ObjectStoreBinding> {
  const binding = bindObjectStore(backupRoots, target);
  try {
    await binding.client.send(new HeadBucketCommand({ Bucket: target.bucket }));
  } catch (e) {
    binding.release();
    const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new StorageError("invalid_argument", `chunk store ${targetName(target)} (${redactUrl(url)}) does not answer: ${why}`, "chunks");
  }
  return binding;
}

/** The object-store chunk store of a storage: keys `<prefix><storage dir name>/chunks/<two hex>/<hash>`. */
export function s3StoreFor(client: S3Client, target: ObjectStoreTarget, storageDir: string): S3ChunkStore {
  return new S3ChunkStore(client, target.bucket, `${target.prefix}${basename(storageDir)}/chunks/`);
}
