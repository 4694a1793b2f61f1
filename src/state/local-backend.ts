import { join } from "node:path";
import { LocalFileStorage } from "./backends/local.js";
import type { PendingCreate } from "./journal-format.js";
import type { LockOperation } from "./lock.js";
import { openStateSession, readStateWithJournal, StateSession } from "./session.js";
import type { State } from "./state.js";

/**
 * One local state file opened directly by path (`-state=PATH`, tests, benchmarks): the durable session of
 * ./session.ts over a `LocalFileStorage`, the journal beside the file. The backend-aware way in is
 * ./backends/ plus `openStateSession`.
 */

export interface LocalBackendOptions {
  /** The state file; default `<dir>/terraform.tfstate`. */
  path?: string;
  /** Directory of the default state file; default the current directory. */
  dir?: string;
  /** Take the lock (default true). `false` is `-lock=false`: for reading only, or when you know better. */
  lock?: boolean;
  /** `-lock-timeout` in ms (default 0: fail at once when locked). */
  lockTimeoutMs?: number;
  operation?: LockOperation;
  /** Free text recorded in the lock's Info field. */
  info?: string;
  /** Version recorded in the lock file. */
  version?: string;
  /** Also fold after this many journaled changes (default: none; see SessionOptions). */
  foldEveryEntries?: number;
  /** Fold once the journal reaches this fraction of the state's size (default 0.5; see SessionOptions). */
  foldRatio?: number;
  /** Never fold by size for less journal than this (default 4 MiB). */
  foldMinBytes?: number;
  /** Fold this long after the first unfolded change (default 10 s). 0 disables the timer. */
  foldIntervalMs?: number;
}

export const JOURNAL_SUFFIX = ".journal";
export { BACKUP_SUFFIX } from "./backends/local.js";

/** The session type every backend gives; the name predates remote backends. */
export type LocalStateSession = StateSession;

/** Reads the state (journal replayed in memory, nothing written, no lock). Missing file: an empty state. */
export async function readLocalState(opts: Pick<LocalBackendOptions, "path" | "dir"> = {}): Promise<{ state: State; pending: PendingCreate[] }> {
  const path = statePathOf(opts);
  return readStateWithJournal(new LocalFileStorage(path), path + JOURNAL_SUFFIX, path);
}

/** Opens the local state for a run: takes the lock, replays and folds a journal left by a crashed run. */
export async function openLocalState(opts: LocalBackendOptions = {}): Promise<StateSession> {
  const path = statePathOf(opts);
  return openStateSession(new LocalFileStorage(path), {
    journalPath: path + JOURNAL_SUFFIX,
    where: path,
    writeAttempts: 1,
    ...pick(opts, ["lock", "lockTimeoutMs", "operation", "info", "version", "foldEveryEntries", "foldRatio", "foldMinBytes", "foldIntervalMs"]),
  });
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function statePathOf(opts: Pick<LocalBackendOptions, "path" | "dir">): string {
  return opts.path ?? join(opts.dir ?? ".", "terraform.tfstate");
}
