import type { SyncPgConnection } from "./pg-sync.js";
import type { StateLockRow, StateVersionRow, TeamStateRepository } from "./team-states.js";

/**
 * Team states in PostgreSQL, shared by every engine node on the database: read and written there on every call
 * (nothing cached), so a lock taken through one node is seen by all. Tables `engine_team_state_versions` and
 * `engine_team_state_locks`, the SQLite tables' twins.
 */
export class PgTeamStates implements TeamStateRepository {
  constructor(private readonly conn: SyncPgConnection) {}

  latest(name: string): StateVersionRow | undefined {
    return this.conn.call("stateLatest", name);
  }

  version(name: string, version: number): StateVersionRow | undefined {
    return this.conn.call("stateVersion", name, version);
  }

  versions(name: string): StateVersionRow[] {
    return this.conn.call("stateVersions", name);
  }

  data(name: string, version: number): Uint8Array | undefined {
    return this.conn.call("stateData", name, version);
  }

  names(): string[] {
    return this.conn.call("stateNames");
  }

  append(name: string, meta: Omit<StateVersionRow, "name" | "version">, data: Uint8Array): StateVersionRow {
    return this.conn.call("stateAppend", name, meta, data);
  }

  deleteVersions(name: string): number {
    return this.conn.call("stateDeleteVersions", name);
  }

  lock(name: string): StateLockRow | undefined {
    return this.conn.call("stateLock", name);
  }

  tryLock(row: StateLockRow): StateLockRow {
    return this.conn.call("stateTryLock", row);
  }

  unlock(name: string): void {
    this.conn.call("stateUnlock", name);
  }
}
