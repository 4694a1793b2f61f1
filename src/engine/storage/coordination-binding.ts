import { resolve } from "node:path";
import { z } from "zod";
import type { CoordinationKind, StorageCoordination } from "./coordination.js";
import { writeFileDurable } from "./durable-file.js";
import { StorageError } from "./errors.js";
import { fileCoordination } from "./file-coordination.js";
import { layout } from "./layout.js";
import { readRecordFile } from "./record-file.js";
import { RootBindings, storagesUnder } from "./root-bindings.js";

/**
 * Which `StorageCoordination` (coordination.ts) a backup storage uses: the one its engine bound to the root the
 * storage lives in (root-bindings.ts says why by root), else files. A storage records `postgres` once a cluster
 * used it, so that an engine coordinated by files never joins it.
 */

interface Binding {
  /** Opened asynchronously (a database connects); every user awaits it. */
  readonly coordination: Promise<StorageCoordination>;
  /** Per storage dir, the check of its coordination record (once per process). */
  readonly checked: Map<string, Promise<void>>;
  readonly close: () => Promise<void>;
}

const bindings = new RootBindings<Binding>("metadata");
/** Storages under no bound root, checked not to be a cluster's. */
const unboundChecked = new Map<string, Promise<void>>();

/**
 * Coordinates the storages directly under each of `backupRoots` with the coordination `open()` opens, or the one
 * already bound under the same `key` (the same database), until the returned release; `close` runs when the last
 * holder released it. Rejects `invalid_argument` (field `metadata`) when a root is coordinated otherwise.
 */
export function bindCoordination<C extends StorageCoordination>(
  backupRoots: readonly string[],
  key: string,
  open: () => Promise<C>,
  close: (c: C) => Promise<void>,
): { coordination: Promise<StorageCoordination>; release: () => Promise<void> } {
  const bound = bindings.bind(
    backupRoots,
    key,
    () => {
      const opening = open();
      opening.catch(() => undefined); // reported to whoever awaits it, not as an unhandled rejection
      return { coordination: opening, checked: new Map(), close: () => opening.then(close, () => undefined) };
    },
    (b) => b.close(),
  );
  return { coordination: bound.value.coordination, release: bound.release };
}

/**
 * The coordination of the backup storage in `storageDir`: the one bound to its root, else files. The first time
 * a process uses a storage, its coordination record is checked (`claimCoordination`), so an engine coordinated by
 * files never works on a storage engines coordinated by PostgreSQL share: it would not see their pins and would
 * collect the chunks of their backups in flight. Rejects `invalid_argument` (field `metadata`) then.
 */
export async function coordinationFor(storageDir: string): Promise<StorageCoordination> {
  const dir = resolve(storageDir);
  const binding = bindings.forStorage(dir);
  const coordination = binding ? await binding.coordination : fileCoordination;
  const checked = binding?.checked ?? unboundChecked;
  let check = checked.get(dir);
  if (!check) {
    check = claimCoordination(dir, coordination);
    // A failed check is repeated next time (the operator may have fixed the storage meanwhile).
    check.catch(() => checked.delete(dir));
    checked.set(dir, check);
  }
  await check;
  return coordination;
}

const recordSchema = z.object({ format: z.literal("backplan-coordination/1"), kind: z.enum(["postgres"]) });

/** What a storage records about its coordination: `postgres` once a cluster used it, else nothing (`file`). */
export async function recordedCoordination(storageDir: string): Promise<CoordinationKind> {
  const record = await readRecordFile(layout.coordination(storageDir), recordSchema, 'coordination record (want {"format":"backplan-coordination/1","kind":"postgres"})');
  return record?.kind ?? "file";
}

/**
 * Makes sure `coordination` may work on the storage: a PostgreSQL coordination records itself the first time
 * (the embedded layout never gets the file); a file coordination refuses a storage that records `postgres`.
 * Throws `invalid_argument` naming the storage and the fix otherwise.
 */
export async function claimCoordination(storageDir: string, coordination: StorageCoordination): Promise<void> {
  const recorded = await recordedCoordination(storageDir);
  if (recorded === coordination.kind) return;
  if (coordination.kind === "postgres") {
    await writeFileDurable(layout.coordination(storageDir), `${JSON.stringify({ format: "backplan-coordination/1", kind: "postgres" })}\n`);
    return;
  }
  throw new StorageError(
    "invalid_argument",
    `backup storage ${storageDir} is shared by engines coordinated through PostgreSQL: start this engine (or command) with --metadata postgres://... ` +
      "(an engine coordinated by files would not see their pins and could collect the chunks of their backups in flight)",
    "metadata",
  );
}

/** `claimCoordination` for every storage under `backupRoot`, before serving: a bad storage fails the start. */
export async function checkCoordinationRoot(backupRoot: string, coordination: StorageCoordination): Promise<void> {
  for (const dir of await storagesUnder(backupRoot)) await claimCoordination(dir, coordination);
}
