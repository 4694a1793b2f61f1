import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkBackupRoot, chunkBackendFor } from "./chunk-backends.js";
import { ChunkStore } from "./chunk-store.js";
import { StorageError } from "./errors.js";
import { layout } from "./layout.js";
import { bindObjectStore } from "./object-store-binding.js";
import { parseObjectStoreUrl } from "./object-store-url.js";
import { S3ChunkStore } from "./s3-chunk-store.js";
import { tempDir } from "./testdata/volumes.js";

// No request reaches the (unreachable) endpoint: choosing a backend and checking location records is local.
const target = parseObjectStoreUrl("s3://chunks/lab?endpoint=http://127.0.0.1:9&path_style=true&access_key=a&secret_key=b", {});

let dir: string;
let cleanup: () => void;
let root: string;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  root = join(dir, "backup");
  await mkdir(join(root, "bs1"), { recursive: true });
});
afterEach(() => cleanup());

async function putLocalChunk(storageDir: string): Promise<void> {
  const batch = new ChunkStore(layout.chunks(storageDir)).batch();
  await batch.put("a".repeat(64), Buffer.from("x"));
  await batch.commit();
}

async function storageError(p: Promise<unknown>): Promise<StorageError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StorageError);
  return e as StorageError;
}

describe("chunkBackendFor", () => {
  it("answers the local chunks/ directory for a storage under no bound root", async () => {
    const b = await chunkBackendFor(join(root, "bs1"));
    expect(b).toBeInstanceOf(ChunkStore);
    expect(b.location).toBe(join(root, "bs1", "chunks"));
  });

  it("answers the bucket under a bound root, keyed by the storage's directory name, and records the location", async () => {
    const binding = bindObjectStore(root, target);
    try {
      const b = await chunkBackendFor(join(root, "bs1"));
      expect(b).toBeInstanceOf(S3ChunkStore);
      expect(b.location).toBe("s3://chunks/lab/bs1/chunks/");
      expect(JSON.parse(await readFile(layout.chunkLocation(join(root, "bs1")), "utf8"))).toEqual({ format: "backplan-chunk-location/1", url: "s3://chunks/lab/" });
      // Another root in the same process stays local.
      await mkdir(join(dir, "other", "bs2"), { recursive: true });
      expect(await chunkBackendFor(join(dir, "other", "bs2"))).toBeInstanceOf(ChunkStore);
      const other = parseObjectStoreUrl("s3://chunks/elsewhere?endpoint=http://127.0.0.1:9&access_key=a&secret_key=b", {});
      expect(() => bindObjectStore(root, other)).toThrow(/already bound to s3:\/\/chunks\/lab\/, not s3:\/\/chunks\/elsewhere\//);
    } finally {
      binding.release();
    }
    expect(await chunkBackendFor(join(root, "bs1"))).toBeInstanceOf(ChunkStore);
  });

  it("lets two engines of one process bind one root to the same bucket: shared until the last one releases it", async () => {
    const first = bindObjectStore(root, target);
    const second = bindObjectStore([root, join(dir, "second-data", "backup")], target);
    expect(second.client).toBe(first.client);
    first.release();
    expect(await chunkBackendFor(join(root, "bs1"))).toBeInstanceOf(S3ChunkStore);
    second.release();
    second.release(); // idempotent
    expect(await chunkBackendFor(join(root, "bs1"))).toBeInstanceOf(ChunkStore);
  });

  it("refuses a storage that still keeps local chunks, pointing at engine migrate", async () => {
    await putLocalChunk(join(root, "bs1"));
    const binding = bindObjectStore(root, target);
    try {
      const e = await storageError(chunkBackendFor(join(root, "bs1")));
      expect(e.message).toContain("keeps 1 chunks in");
      expect(e.message).toContain("backplan engine migrate");
    } finally {
      binding.release();
    }
  });
});

describe("checkBackupRoot", () => {
  it("without an object store: refuses a storage that records one (its chunks would look missing)", async () => {
    await checkBackupRoot(root, undefined);
    await writeFile(layout.chunkLocation(join(root, "bs1")), JSON.stringify({ format: "backplan-chunk-location/1", url: "s3://chunks/lab/" }));
    const e = await storageError(checkBackupRoot(root, undefined));
    expect(e.message).toContain("keeps its chunks in s3://chunks/lab/");
    expect(e.message).toContain("--chunks");
  });

  it("with an object store: claims empty storages, refuses one bound to another bucket or prefix", async () => {
    await checkBackupRoot(root, target);
    await checkBackupRoot(root, target); // idempotent
    const other = parseObjectStoreUrl("s3://chunks/elsewhere?endpoint=http://127.0.0.1:9", {});
    const e = await storageError(checkBackupRoot(root, other));
    expect(e.message).toContain("keeps its chunks in s3://chunks/lab/, not in s3://chunks/elsewhere/");
  });

  it("reports a damaged location record as corrupt metadata, not as local chunks", async () => {
    await writeFile(layout.chunkLocation(join(root, "bs1")), "{not json");
    const e = await storageError(checkBackupRoot(root, undefined));
    expect(e.kind).toBe("corrupt_metadata");
    expect(e.message).toContain("chunk-location.json");
  });
});
