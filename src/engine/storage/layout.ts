import { join } from "node:path";

/**
 * Where things live inside one backup storage directory. Every backup of every VM and both APIs that share a
 * backup storage share its `chunks/`, which is what makes deduplication global.
 */
export const layout = {
  chunks: (storageDir: string) => join(storageDir, "chunks"),
  /** Present when the storage's chunks live in an object store instead of `chunks/` (see chunk-backends.ts). */
  chunkLocation: (storageDir: string) => join(storageDir, "chunk-location.json"),
  /** Present once engines coordinated through PostgreSQL used the storage (see coordination.ts). */
  coordination: (storageDir: string) => join(storageDir, "coordination.json"),
  manifests: (storageDir: string) => join(storageDir, "manifests"),
  manifest: (storageDir: string, backupId: string) => join(storageDir, "manifests", `${backupId}.json`),
  locks: (storageDir: string) => join(storageDir, "locks"),
  cdpRoot: (storageDir: string) => join(storageDir, "cdp"),
  cdpTask: (storageDir: string, taskId: string) => join(storageDir, "cdp", taskId),
};
