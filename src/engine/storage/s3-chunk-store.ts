import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { InflightPuts, isChunkHash, readChecked, type ChunkBackend, type ChunkWriteBatch } from "./chunk-backend.js";
import { targetName, type ObjectStoreTarget } from "./object-store-url.js";

/** Requests in flight at once when deleting many chunks (one DELETE each: see `removeMany`). */
const DELETE_CONCURRENCY = 8;

/**
 * An S3 client for a target. Checksums only where an operation requires one: S3-compatible stores such as
 * Swift 2.30's s3api reject the CRC headers newer SDKs add by default. Chunks need no transport checksum of
 * their own — every read re-hashes the bytes against the chunk's SHA-256 name.
 */
export function createS3Client(t: ObjectStoreTarget): S3Client {
  return new S3Client({
    region: t.region,
    forcePathStyle: t.pathStyle,
    ...(t.endpoint !== undefined ? { endpoint: t.endpoint } : {}),
    ...(t.credentials ? { credentials: t.credentials } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // The SDK waits forever by default: a store that stops answering must fail the backup, not hang it.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
}

/** Whether an SDK error means "no such object" (HEAD answers a bare 404, GET a NoSuchKey). */
export function isNotFound(e: unknown): boolean {
  return e instanceof S3ServiceException && (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata.httpStatusCode === 404);
}

/**
 * The object-store `ChunkBackend`: the chunks of one backup storage as objects `<keyPrefix><first two hex>/<sha256>`
 * in one bucket (the same names as the filesystem layout, so a migration is a copy of relative paths).
 *
 * A PUT is durable once the store acknowledges it, so `commit()` has nothing left to do, and a crashed PUT
 * leaves either the whole object or none (chunks are at most a few MiB: one PUT, never a multipart upload, so
 * nothing half-written to sweep). Deduplication is a HEAD before the PUT. Sizes are cached by hash (a chunk's
 * size is a function of its name), which saves a HEAD per chunk in capacity reports and GC accounting.
 *
 * Relies on the store's read-after-write and read-after-delete consistency for single objects (AWS S3, Ceph RGW,
 * and a single-region Swift without failed replicas give it): dedup must not see a chunk GC has just deleted.
 */
export class S3ChunkStore implements ChunkBackend {
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** Empty or ending in `/`. */
    readonly keyPrefix: string,
  ) {}

  get location(): string {
    return targetName({ bucket: this.bucket, prefix: this.keyPrefix });
  }

  key(hash: string): string {
    return `${this.keyPrefix}${hash.slice(0, 2)}/${hash}`;
  }

  /** Always asks the store: deduplication must never trust memory about a chunk someone may have deleted. */
  async has(hash: string): Promise<boolean> {
    return (await this.head(hash)) !== undefined;
  }

  /** From the size cache when the chunk was seen before (for accounting: GC, capacity), else a HEAD. */
  async sizeOf(hash: string): Promise<number | undefined> {
    return this.sizes.get(hash) ?? this.head(hash);
  }

  private async head(hash: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(hash) }));
      const size = head.ContentLength ?? 0;
      this.sizes.set(hash, size);
      return size;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async fetch(hash: string): Promise<Buffer | undefined> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(hash) }));
      const bytes = got.Body ? await got.Body.transformToByteArray() : new Uint8Array();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  read(hash: string, context: string): Promise<Buffer> {
    return readChecked(this, hash, context);
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyPrefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
      );
      for (const o of page.Contents ?? []) {
        const rel = (o.Key ?? "").slice(this.keyPrefix.length);
        const hash = rel.slice(3);
        // Only `<two hex>/<hash>` under the prefix is a chunk; anything else someone put there is left alone.
        if (rel.length !== 67 || rel[2] !== "/" || !isChunkHash(hash) || rel.slice(0, 2) !== hash.slice(0, 2)) continue;
        out.push(hash);
        if (o.Size !== undefined) this.sizes.set(hash, o.Size);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  /**
   * One DELETE per chunk, a few at a time. Multi-object delete would be fewer requests, but it needs a
   * Content-MD5 or flexible checksum header that S3-compatible stores disagree on; deleting is GC's job, off
   * every backup's path.
   */
  async removeMany(hashes: Iterable<string>): Promise<number> {
    const all = [...hashes];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < all.length; i = next++) {
        const h = all[i]!;
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(h) }));
        this.sizes.delete(h);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, all.length) }, worker));
    return all.length;
  }

  /** Nothing to sweep: an object store never shows a half-written object. */
  async sweepTmp(): Promise<number> {
    return 0;
  }

  /** The bucket exists already (the operator creates it; the engine checks it at start). */
  async prepare(): Promise<void> {}

  batch(): ChunkWriteBatch {
    const inflight = new InflightPuts();
    return {
      put: (hash, data) =>
        inflight.run(hash, async () => {
          if (await this.has(hash)) return 0;
          await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(hash), Body: data, ContentLength: data.length }));
          this.sizes.set(hash, data.length);
          return data.length;
        }),
      commit: async () => undefined,
    };
  }
}
