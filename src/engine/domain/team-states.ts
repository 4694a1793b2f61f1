import { createHash } from "node:crypto";
import type { StateLockRow, StateVersionRow, TeamStateRepository } from "../store/team-states.js";
import type { Clock } from "./clock.js";
import { DomainError } from "./errors.js";

/**
 * Terraform states a team keeps on the engine: one state per name, every written version kept, and one lock per
 * name with Terraform's LockInfo as its holder's description. The rules are Terraform's http backend contract:
 * a write to a locked state must carry the holder's lock ID, a second lock fails with the holder's info, an
 * unlock must name the lock it releases. Nothing here knows HTTP.
 */

/** A lock conflict: the state is locked by someone else. `holder` is their LockInfo JSON as they sent it. */
export class StateLockedError extends Error {
  constructor(
    message: string,
    readonly holder: string,
  ) {
    super(message);
    this.name = "StateLockedError";
  }
}

export interface StateVersion extends Omit<StateVersionRow, "name"> {}

export interface TeamStateSummary {
  name: string;
  /** The latest version, absent when the name only has a lock. */
  latest?: StateVersion;
  /** The holder's LockInfo, parsed, when locked. */
  lock?: Record<string, unknown>;
}

/** What a state name may be: one URL path segment, readable in listings. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** The largest state body accepted (Terraform states of thousands of resources are a few tens of MB). */
export const MAX_STATE_BYTES = 256 * 1024 * 1024;

export class TeamStates {
  constructor(
    private readonly store: TeamStateRepository,
    private readonly clock: Clock,
  ) {}

  /** The current body and its version, or undefined when nothing was written under `name`. */
  current(name: string): { version: StateVersion; data: Uint8Array } | undefined {
    checkName(name);
    const row = this.store.latest(name);
    if (!row) return undefined;
    return { version: strip(row), data: this.store.data(name, row.version)! };
  }

  /**
   * Stores `data` as the next version of `name`. When the state is locked, `lockId` must be the holder's ID
   * (Terraform sends it as `?ID=`), else `StateLockedError`. The body must be JSON (a Terraform state); when it
   * carries `md5` (the client's Content-MD5) it must match. Returns the new version.
   */
  write(name: string, data: Uint8Array, opts: { lockId?: string; md5?: string; who: string }): StateVersion {
    checkName(name);
    const held = this.store.lock(name);
    if (held && held.lockId !== opts.lockId) {
      throw new StateLockedError(
        opts.lockId
          ? `state "${name}" is locked with ID ${held.lockId}, not ${opts.lockId}`
          : `state "${name}" is locked with ID ${held.lockId}; a write must send ?ID=<lock id>`,
        held.info,
      );
    }
    const md5 = createHash("md5").update(data).digest("base64");
    if (opts.md5 !== undefined && opts.md5 !== md5) {
      throw new DomainError("invalid_argument", `Content-MD5 ${opts.md5} does not match the body (MD5 ${md5}): the upload was damaged`, "Content-MD5");
    }
    const { serial, lineage } = stateStamp(data);
    const row = this.store.append(name, { serial, lineage, size: data.length, md5, createdAt: this.clock.now(), createdBy: opts.who }, data);
    return strip(row);
  }

  /**
   * Takes the lock of `name` for the holder described by `info` (Terraform's LockInfo JSON, with a non-empty
   * `ID`). Locking again with the ID that holds it succeeds (a client retrying after a lost response), any other
   * ID gets `StateLockedError` with the holder's info.
   */
  lock(name: string, info: string, who: string): void {
    checkName(name);
    const id = lockIdOf(info);
    const row: StateLockRow = { name, lockId: id, info, createdAt: this.clock.now(), createdBy: who };
    const holder = this.store.tryLock(row);
    if (holder.lockId !== id) throw new StateLockedError(`state "${name}" is already locked with ID ${holder.lockId}`, holder.info);
  }

  /**
   * Releases the lock of `name` held under `id`. `force` releases whatever holds it (the admin's force-unlock).
   * A lock held under another ID is `StateLockedError`; no lock at all is a `conflict`.
   */
  unlock(name: string, id: string | undefined, force = false): void {
    checkName(name);
    const held = this.store.lock(name);
    if (!held) throw new DomainError("conflict", `state "${name}" is not locked`);
    if (!force && held.lockId !== id) {
      throw new StateLockedError(`state "${name}" is locked with ID ${held.lockId}, not ${id ?? "(no ID given)"}`, held.info);
    }
    this.store.unlock(name);
  }

  /** The holder's LockInfo JSON as they sent it, or undefined. */
  holder(name: string): string | undefined {
    checkName(name);
    return this.store.lock(name)?.info;
  }

  versions(name: string): StateVersion[] {
    checkName(name);
    return this.store.versions(name).map(strip);
  }

  version(name: string, version: number): { version: StateVersion; data: Uint8Array } {
    checkName(name);
    const row = this.store.version(name, version);
    if (!row) throw new DomainError("not_found", `state "${name}" has no version ${version}`);
    return { version: strip(row), data: this.store.data(name, version)! };
  }

  list(): TeamStateSummary[] {
    return this.store.names().map((name) => {
      const latest = this.store.latest(name);
      const lock = this.store.lock(name);
      return { name, ...(latest ? { latest: strip(latest) } : {}), ...(lock ? { lock: parseObject(lock.info) } : {}) };
    });
  }

  /**
   * Deletes every version of `name`. A locked state can only be deleted by its holder (`lockId`); the lock is
   * released with it. Deleting a name with no versions is `not_found`.
   */
  delete(name: string, lockId: string | undefined): void {
    checkName(name);
    const held = this.store.lock(name);
    if (held && held.lockId !== lockId) throw new StateLockedError(`state "${name}" is locked with ID ${held.lockId}`, held.info);
    const removed = this.store.deleteVersions(name);
    if (held) this.store.unlock(name);
    if (removed === 0 && !held) throw new DomainError("not_found", `state "${name}" does not exist`);
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new DomainError("invalid_argument", `state name "${name}" must be 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit`, "name");
  }
}

/** The lock ID inside a LockInfo body; a body that is not a JSON object with a non-empty string `ID` is refused. */
export function lockIdOf(info: string): string {
  const v = parseObject(info);
  if (!v || typeof v.ID !== "string" || v.ID === "") {
    throw new DomainError("invalid_argument", 'the lock body must be Terraform\'s LockInfo JSON with a non-empty string "ID"', "ID");
  }
  return v.ID;
}

/** `serial` and `lineage` of a Terraform state body; a body that is not a JSON object is refused. */
function stateStamp(data: Uint8Array): { serial: number | null; lineage: string | null } {
  const v = parseObject(Buffer.from(data).toString("utf8"));
  if (!v) throw new DomainError("invalid_argument", "the state body must be a JSON object (Terraform state)", "body");
  return {
    serial: typeof v.serial === "number" && Number.isSafeInteger(v.serial) ? v.serial : null,
    lineage: typeof v.lineage === "string" ? v.lineage : null,
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function strip(row: StateVersionRow): StateVersion {
  const { name: _name, ...rest } = row;
  return rest;
}
