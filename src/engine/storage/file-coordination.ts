import { rm } from "node:fs/promises";
import type { StorageCoordination } from "./coordination.js";
import { tmpOfDeadProcess } from "./durable-file.js";
import { layout } from "./layout.js";
import { Pin, scanPins } from "./pins.js";
import { StoreLock } from "./store-lock.js";

/** The embedded default: marker and pin files in the storage directory. */
export const fileCoordination: StorageCoordination = {
  description: "files",
  kind: "file",
  lock: (storageDir) => new StoreLock(layout.locks(storageDir)),
  pin: (storageDir) => Pin.create(storageDir),
  scanPins: (storageDir) => scanPins(storageDir),
  removeStalePins: async (_storageDir, stale) => {
    for (const p of stale) await rm(p, { force: true });
  },
  tmpIsLeftover: tmpOfDeadProcess,
};
