import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { basename } from "node:path";
import { bindChunkRoots } from "./chunk-backends.js";
import { StorageError } from "./errors.js";
import { redactUrl, targetName, type ObjectStoreTarget } from "./object-store-url.js";
import { S3ChunkStore, createS3Client } from "./s3-chunk-store.js";

export interface ObjectStoreBinding {
  readonly target: ObjectStoreTarget;
  /** A client for the bucket. */
  readonly client: S3Client;
  /** Unbinds the roots; the client is closed when no engine of the process binds the bucket any more. Idempotent. */
  release(): void;
}

/**
 * Keeps the chunks of every storage directly under each of `backupRoots` in `target` until `release()`
 * (chunk-backends.ts). Roots another engine of this process bound to the same bucket and prefix share its client.
 */
export function bindObjectStore(backupRoots: string | readonly string[], target: ObjectStoreTarget): ObjectStoreBinding {
  const bound = bindChunkRoots(
    typeof backupRoots === "string" ? [backupRoots] : backupRoots,
    target,
    () => {
      const client = createS3Client(target);
      return { target, client, open: (dir) => s3StoreFor(client, target, dir) };
    },
    (root) => root.client.destroy(),
  );
  return {
    target,
    client: bound.root.client,
    // Disposing of the root (destroying its client) is synchronous: nothing to wait for.
    release: () => void bound.release(),
  };
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
