import type { LockInfo } from "../lock.js";

/**
 * The storage side of a state backend, as Terraform's `statemgr` splits it: a backend only stores bytes and
 * locks; snapshots, the journal, group commit and pending creates are one layer written over any backend
 * (see `../README.md`). One file per backend in this folder implements `Backend`; none of them knows the v4
 * format or the journal.
 */

/** The name of Terraform's default workspace; it always exists, even with no state stored for it. */
export const DEFAULT_WORKSPACE = "default";

/** One workspace's state object in a backend. */
export interface StateStorage {
  /** The stored state bytes (Terraform v4 JSON), or `undefined` when none has been written yet. */
  read(): Promise<Uint8Array | undefined>;
  /**
   * Replaces the stored state. Resolves only once the backend has acknowledged it durably (fsync'd rename,
   * committed transaction, 2xx from the server). Throws on failure; the caller retries and falls back to
   * `errored.tfstate`, never the backend.
   */
  write(data: Uint8Array): Promise<void>;
  /**
   * Takes the backend's lock as Terraform takes it for this backend, so a Terraform run and a backplan run
   * exclude each other. Resolves to the lock id to unlock with. When another holder has it, throws
   * `LockError("held", message, holderInfo)` at once (the caller owns `-lock-timeout` retries).
   */
  lock(info: LockInfo): Promise<string>;
  /** Releases a lock taken with `lock`. `LockError("id_mismatch" | "not_locked")` when it is not ours/held. */
  unlock(id: string): Promise<void>;
  /** The current holder, if the backend can tell (for messages and `force-unlock`). */
  lockHolder(): Promise<LockInfo | undefined>;
}

/** A configured backend: the `backend "TYPE" { ... }` block plus `-backend-config`, environment applied. */
export interface Backend {
  /** The backend type as written in configuration: `local`, `pg`, `s3`, `http`. */
  readonly type: string;
  /** Workspace names that have state, always including `default`, sorted as Terraform lists them. */
  workspaces(): Promise<string[]>;
  /** The state of one workspace (created on first write). */
  state(workspace: string): StateStorage;
  /** Deletes a workspace's state (`workspace delete`). `default` cannot be deleted. */
  deleteWorkspace(workspace: string): Promise<void>;
  /**
   * A short human description of where state lives (for messages: `pg schema "x"`, `s3://bucket/key`); never
   * contains a password.
   */
  describe(workspace: string): string;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /**
   * Where the durable session keeps a workspace's journal when the backend has a local place for it (the local
   * backend: beside its state file). Absent: the CLI keeps it under `.terraform/` (see docs/state.md).
   */
  journalPath?(workspace: string): string;
}

/**
 * A backend argument that is missing, of the wrong type or not valid. `attribute` is the argument's name as
 * written in the backend block (or the environment variable it came from); the CLI adds the file and line of
 * the block.
 */
export class BackendConfigError extends Error {
  constructor(
    readonly attribute: string,
    message: string,
  ) {
    super(message);
    this.name = "BackendConfigError";
  }
}

/**
 * How each backend file is constructed: `settings` are the merged arguments (the backend block, then
 * `-backend-config` files and KEY=VALUE pairs) as plain JSON values; `env` is the process environment for the
 * backend's own variables (`PG_CONN_STR`, `AWS_*`, `TF_HTTP_*`). Unknown arguments are a `BackendConfigError`.
 */
export type BackendFactory = (settings: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv) => Backend;
