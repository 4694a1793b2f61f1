import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { basename } from "node:path";
import { bindChunkRoot } from "./chunk-backends.js";
import { StorageError } from "./errors.js";
import { redactUrl, targetName, type ObjectStoreTarget } from "./object-store-url.js";
import { S3ChunkStore, createS3Client } from "./s3-chunk-store.js";

export interface ObjectStoreBinding {
  readonly target: ObjectStoreTarget;
  readonly client: S3Client;
  /** Unbinds the root and closes the client's connections. */
  release(): void;
}

/** Keeps the chunks of every storage directly under `backupRoot` in `target` until `release()` (chunk-backends.ts). */
export function bindObjectStore(backupRoot: string, target: ObjectStoreTarget): ObjectStoreBinding {
  const client = createS3Client(target);
  let unbind: () => void;
  try {
    unbind = bindChunkRoot(backupRoot, target, (dir) => s3StoreFor(client, target, dir));
  } catch (e) {
    client.destroy();
    throw e;
  }
  return {
    target,
    client,
    release() {
      unbind();
      client.destroy();
    },
  };
}

/**
 * `bindObjectStore` once the bucket answered (`HeadBucket`), so a wrong endpoint, bucket or credential fails the
 * start, not the first backup. Throws `invalid_argument` (field `chunks`) naming the bucket and the answer.
 */
export async function openObjectStore(backupRoot: string, target: ObjectStoreTarget, url: string): Promise<ObjectStoreBinding> {
  const binding = bindObjectStore(backupRoot, target);
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
