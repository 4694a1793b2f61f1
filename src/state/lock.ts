import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import { fsyncDir } from "./atomic-write.js";

/**
 * The local state lock's information: `.terraform.tfstate.lock.info` beside the state file, created with O_EXCL so
 * exactly one process can hold it, holding Terraform's LockInfo JSON. Terraform's own local backend writes the
 * same file while it holds its lock, so backplan waits for a running Terraform and prints its Lock Info. The lock
 * Terraform itself waits on is a record lock on the state file, which the local backend takes too
 * (./record-lock.ts).
 */

/** Terraform's LockInfo, field names and order as Terraform writes them. */
export interface LockInfo {
  ID: string;
  Operation: string;
  Info: string;
  Who: string;
  Version: string;
  Created: string;
  Path: string;
  /**
   * backplan's addition (Terraform ignores unknown keys): the holder's process id and host, so a lock left by a
   * process that died (kill -9, power loss of a CI runner) on this host is recognised and taken over, the way
   * Terraform's fcntl lock vanishes with its process.
   */
  Pid?: number;
  Host?: string;
}

/** Terraform's operation names. */
export type LockOperation =
  | "OperationTypeInvalid"
  | "OperationTypeRefresh"
  | "OperationTypePlan"
  | "OperationTypeApply"
  | (string & {});

export interface AcquireLockOptions {
  operation?: LockOperation;
  info?: string;
  /** How long to keep retrying while another holder has the lock (`-lock-timeout`); 0 = try once. */
  timeoutMs?: number;
  /** Version string recorded in the lock (the program taking it). */
  version?: string;
  /** Abort waiting early. */
  signal?: AbortSignal;
}

/**
 * `held`: someone else has the lock (retried under -lock-timeout). `unsupported`: the backend cannot take a lock
 * as configured (an S3 server without conditional PUT) — never retried, and never a reason to run unlocked.
 */
export type LockErrorKind = "held" | "id_mismatch" | "not_locked" | "unsupported";

export class LockError extends Error {
  constructor(
    readonly kind: LockErrorKind,
    message: string,
    /** The current holder's info, when it could be read. */
    readonly holder?: LockInfo,
  ) {
    super(message);
    this.name = "LockError";
  }
}

export function lockInfoPath(statePath: string): string {
  return join(dirname(statePath), `.${basename(statePath)}.lock.info`);
}

/** A held lock. `release` removes the lock file only if it is still ours. */
export interface StateLock {
  readonly info: LockInfo;
  release(): Promise<void>;
}

const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 1000;

/**
 * Takes the lock for `statePath`, retrying with exponential backoff (25 ms doubling to 1 s) until `timeoutMs`
 * has passed. Throws `LockError` ("held") with Terraform's "Error acquiring the state lock" text and the
 * holder's Lock Info when it cannot.
 */
export async function acquireLock(statePath: string, opts: AcquireLockOptions = {}): Promise<StateLock> {
  const path = lockInfoPath(statePath);
  const info: LockInfo = {
    ID: randomUUID(),
    Operation: opts.operation ?? "OperationTypeInvalid",
    Info: opts.info ?? "",
    Who: whoAmI(),
    Version: opts.version ?? "backplan",
    Created: goTimeRFC3339(new Date()),
    Path: statePath,
    Pid: process.pid,
    Host: hostname(),
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 0);
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const taken = await tryCreate(path, info);
    if (taken) break;
    if (await removeIfHolderDied(statePath)) continue;
    if (Date.now() >= deadline || opts.signal?.aborted) {
      const holder = await readLockInfo(statePath);
      throw new LockError("held", formatLockError(`the lock file ${basename(path)} already exists`, holder), holder);
    }
    await sleep(Math.min(backoff, Math.max(1, deadline - Date.now())));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
  return {
    info,
    release: async () => {
      const holder = await readLockInfo(statePath);
      if (holder?.ID !== info.ID) return; // force-unlocked and maybe re-taken by someone else: not ours to remove
      await unlink(path).catch(() => undefined);
      await fsyncDir(dirname(path)).catch(() => undefined);
    },
  };
}

/**
 * One attempt at the lock file for `statePath` with `info` (a holder that died on this host is taken over).
 * Throws `LockError("held")` with Terraform's message and the holder's Lock Info when another holder has it.
 */
export async function tryLockFile(statePath: string, info: LockInfo): Promise<void> {
  const path = lockInfoPath(statePath);
  for (let i = 0; i < 2; i++) {
    if (await tryCreate(path, info)) return;
    if (!(await removeIfHolderDied(statePath))) break;
  }
  const holder = await readLockInfo(statePath);
  throw new LockError("held", formatLockError(`the lock file ${basename(path)} already exists`, holder), holder);
}

/** Removes the lock file if it is still the one `id` took (force-unlocked and re-taken: not ours). */
export async function unlockFile(statePath: string, id: string): Promise<void> {
  const holder = await readLockInfo(statePath);
  if (holder?.ID !== id) return;
  await unlink(lockInfoPath(statePath)).catch(() => undefined);
  await fsyncDir(dirname(statePath)).catch(() => undefined);
}

/** Removes the lock when its holder was a process on this host that no longer runs; true when removed. */
async function removeIfHolderDied(statePath: string): Promise<boolean> {
  const holder = await readLockInfo(statePath);
  if (!holder?.Pid || holder.Host !== hostname() || processAlive(holder.Pid)) return false;
  const again = await readLockInfo(statePath);
  if (again?.ID !== holder.ID) return false;
  await unlink(lockInfoPath(statePath)).catch(() => undefined);
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function tryCreate(path: string, info: LockInfo): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    await fh.writeFile(JSON.stringify(info));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDir(dirname(path));
  return true;
}

/** The current holder's info, or undefined when not locked or the file is unreadable (a holder mid-write). */
export async function readLockInfo(statePath: string): Promise<LockInfo | undefined> {
  let text: string;
  try {
    text = await readFile(lockInfoPath(statePath), "utf8");
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    return {
      ID: String(v.ID ?? ""),
      Operation: String(v.Operation ?? ""),
      Info: String(v.Info ?? ""),
      Who: String(v.Who ?? ""),
      Version: String(v.Version ?? ""),
      Created: String(v.Created ?? ""),
      Path: String(v.Path ?? ""),
      ...(typeof v.Pid === "number" ? { Pid: v.Pid } : {}),
      ...(typeof v.Host === "string" ? { Host: v.Host } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Removes a lock left by a crashed or stuck holder, like `terraform force-unlock ID`: only when the lock's ID is
 * `id`, so an unlock meant for one holder never frees a later one.
 */
export async function forceUnlock(statePath: string, id: string): Promise<void> {
  const holder = await readLockInfo(statePath);
  if (!holder) throw new LockError("not_locked", `Failed to unlock state: ${statePath} is not locked`);
  if (holder.ID !== id) {
    throw new LockError(
      "id_mismatch",
      `Failed to unlock state: lock ID ${JSON.stringify(id)} does not match existing lock ID ${JSON.stringify(holder.ID)}\n\n${formatLockInfo(holder)}`,
      holder,
    );
  }
  await unlink(lockInfoPath(statePath));
  await fsyncDir(dirname(statePath));
}

/** The message Terraform prints when it cannot take a lock, with the holder's Lock Info block. */
export function formatLockError(cause: string, holder: LockInfo | undefined): string {
  return [
    "Error acquiring the state lock",
    "",
    `Error message: ${cause}`,
    holder
      ? formatLockInfo(holder)
      : "Lock Info: unreadable (the lock file is empty or damaged: its holder is writing it, or crashed while doing so;\n  if no run is active, delete the lock file)",
    "",
    "backplan acquires a state lock to protect the state from being written",
    "by multiple users at the same time. Please resolve the issue above and try",
    "again. If the holder is gone (a crashed run), remove the lock with",
    `force-unlock ${holder?.ID ?? "LOCK_ID"}.`,
  ].join("\n");
}

export function formatLockInfo(h: LockInfo): string {
  return [
    "Lock Info:",
    `  ID:        ${h.ID}`,
    `  Path:      ${h.Path}`,
    `  Operation: ${h.Operation}`,
    `  Who:       ${h.Who}`,
    `  Version:   ${h.Version}`,
    `  Created:   ${goTimeString(h.Created)}`,
    `  Info:      ${h.Info}`,
  ].join("\n");
}

export function whoAmI(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

/** Go's RFC3339Nano in UTC: fraction without trailing zeros. */
export function goTimeRFC3339(d: Date): string {
  const iso = d.toISOString(); // 2026-11-25T16:32:35.490Z
  return iso.replace(/\.(\d+)Z$/, (_, f: string) => (/^0+$/.test(f) ? "Z" : `.${f.replace(/0+$/, "")}Z`));
}

/** Go's `time.Time.String()` for an RFC3339 UTC stamp: `2026-11-25 16:32:35.49076933 +0000 UTC`. */
export function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$/.exec(rfc3339);
  return m ? `${m[1]} ${m[2]} +0000 UTC` : rfc3339;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
