/**
 * Test support: an engine node the shared-storage tests run in a process of its own (to kill it, or to have a
 * pin owner other than the test's). It opens the engine storage as `engine serve` would with the given data dir,
 * primary-storage dir, bucket and database, prints `ready`, takes one backup (bandwidth-limited, so that it is
 * still in flight when the test acts) and prints `done <StoredBackupInfo as JSON>`.
 *
 *   storage-node-child.ts '<JSON of NodeChildConfig>'
 */
import { openEngineStorage } from "../engine-storage.js";

export interface NodeChildConfig {
  dataDir: string;
  primaryStorage: string;
  chunks: string;
  metadata: string;
  pinLeaseMs: number;
  chunkSize: number;
  storageDir: string;
  backupId: string;
  sourcePath: string;
  size: number;
  /** Bytes per second of new chunks sent to the bucket. */
  networkWriteBandwidth: number;
}

const cfg = JSON.parse(process.argv[2]!) as NodeChildConfig;
const storage = await openEngineStorage({
  dataDir: cfg.dataDir,
  primaryStorage: cfg.primaryStorage,
  chunks: cfg.chunks,
  metadata: cfg.metadata,
  coordination: { pinLeaseMs: cfg.pinLeaseMs },
  onWrite: () => () => undefined,
  store: { chunkSize: cfg.chunkSize },
});
process.stdout.write("ready\n");
const info = await storage.backupStore.write({
  storageDir: cfg.storageDir,
  backupId: cfg.backupId,
  sourcePath: cfg.sourcePath,
  size: cfg.size,
  bandwidth: { networkWriteBandwidth: cfg.networkWriteBandwidth },
});
process.stdout.write(`done ${JSON.stringify(info)}\n`);
await storage.close();
