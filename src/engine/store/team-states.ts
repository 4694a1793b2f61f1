import type { Db } from "./db.js";

/**
 * The rows behind the engine's Terraform state server: every version of every named state (append-only) and the
 * one lock per name. Kept in their own tables, not in the `objects` collection, because state bodies can be
 * megabytes and only the versions asked for are ever read.
 */

export interface StateVersionRow {
  name: string;
  /** 1, 2, 3... per name, in the order the versions were written. */
  version: number;
  /** The Terraform `serial` and `lineage` found in the body (null when the body had none). */
  serial: number | null;
  lineage: string | null;
  size: number;
  /** Base64 MD5 of the body, as Terraform's `Content-MD5`. */
  md5: string;
  /** Epoch ms by the engine clock. */
  createdAt: number;
  /** The engine account that wrote it. */
  createdBy: string;
}

export interface StateLockRow {
  name: string;
  lockId: string;
  /** The lock body exactly as its holder sent it (Terraform's LockInfo JSON), returned to whoever conflicts. */
  info: string;
  createdAt: number;
  createdBy: string;
}

/**
 * The rows behind the engine's Terraform state server, as one store keeps them (SQLite: `TeamStateStore`;
 * PostgreSQL: `PgTeamStates`). Each method is one atomic step: a crash leaves the old or the new version, never
 * half of one, and `tryLock` gives the lock to exactly one caller even when several engine processes race.
 */
export interface TeamStateRepository {
  latest(name: string): StateVersionRow | undefined;
  version(name: string, version: number): StateVersionRow | undefined;
  /** Every version of `name`, oldest first. */
  versions(name: string): StateVersionRow[];
  data(name: string, version: number): Uint8Array | undefined;
  /** Names with at least one version or a lock, sorted. */
  names(): string[];
  /** Appends the next version of `name` and returns its row. */
  append(name: string, meta: Omit<StateVersionRow, "name" | "version">, data: Uint8Array): StateVersionRow;
  /** Deletes every version of `name`; returns how many there were. */
  deleteVersions(name: string): number;
  lock(name: string): StateLockRow | undefined;
  /** Inserts the lock when there is none; returns the row that holds the lock afterwards (ours or the other). */
  tryLock(row: StateLockRow): StateLockRow;
  unlock(name: string): void;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS team_state_versions (
     name       TEXT    NOT NULL,
     version    INTEGER NOT NULL,
     serial     INTEGER,
     lineage    TEXT,
     size       INTEGER NOT NULL,
     md5        TEXT    NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT    NOT NULL,
     data       BLOB    NOT NULL,
     PRIMARY KEY (name, version)
   )`,
  `CREATE TABLE IF NOT EXISTS team_state_locks (
     name       TEXT PRIMARY KEY,
     lock_id    TEXT    NOT NULL,
     info       TEXT    NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT    NOT NULL
   )`,
];

const META = "name, version, serial, lineage, size, md5, created_at AS createdAt, created_by AS createdBy";

/**
 * SQLite access for team states (the embedded engine). Each method is one statement or one transaction, so a crash leaves either the
 * old or the new version, never half of one. The tables are created on open (`IF NOT EXISTS`): they belong to
 * this feature alone and need no migration of existing rows.
 */
export class TeamStateStore implements TeamStateRepository {
  private readonly stmts;

  constructor(private readonly db: Db) {
    for (const sql of SCHEMA) db.exec(sql);
    this.stmts = {
      latest: db.prepare(`SELECT ${META} FROM team_state_versions WHERE name = ? ORDER BY version DESC LIMIT 1`),
      data: db.prepare("SELECT data FROM team_state_versions WHERE name = ? AND version = ?"),
      version: db.prepare(`SELECT ${META} FROM team_state_versions WHERE name = ? AND version = ?`),
      versions: db.prepare(`SELECT ${META} FROM team_state_versions WHERE name = ? ORDER BY version`),
      insert: db.prepare(
        "INSERT INTO team_state_versions (name, version, serial, lineage, size, md5, created_at, created_by, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      names: db.prepare("SELECT name FROM team_state_versions GROUP BY name UNION SELECT name FROM team_state_locks ORDER BY name"),
      deleteVersions: db.prepare("DELETE FROM team_state_versions WHERE name = ?"),
      lock: db.prepare("SELECT name, lock_id AS lockId, info, created_at AS createdAt, created_by AS createdBy FROM team_state_locks WHERE name = ?"),
      insertLock: db.prepare("INSERT INTO team_state_locks (name, lock_id, info, created_at, created_by) VALUES (?, ?, ?, ?, ?)"),
      deleteLock: db.prepare("DELETE FROM team_state_locks WHERE name = ?"),
    };
  }

  latest(name: string): StateVersionRow | undefined {
    return this.stmts.latest.get(name) as StateVersionRow | undefined;
  }

  version(name: string, version: number): StateVersionRow | undefined {
    return this.stmts.version.get(name, version) as StateVersionRow | undefined;
  }

  versions(name: string): StateVersionRow[] {
    return this.stmts.versions.all(name) as StateVersionRow[];
  }

  data(name: string, version: number): Uint8Array | undefined {
    const row = this.stmts.data.get(name, version) as { data: Buffer } | undefined;
    return row?.data;
  }

  /** Names with at least one version or a lock, sorted. */
  names(): string[] {
    return (this.stmts.names.all() as { name: string }[]).map((r) => r.name);
  }

  /** Appends the next version of `name` and returns its row. */
  append(name: string, meta: Omit<StateVersionRow, "name" | "version">, data: Uint8Array): StateVersionRow {
    return this.db.transaction(() => {
      const version = (this.latest(name)?.version ?? 0) + 1;
      this.stmts.insert.run(name, version, meta.serial, meta.lineage, meta.size, meta.md5, meta.createdAt, meta.createdBy, Buffer.from(data));
      return { name, version, ...meta };
    })();
  }

  deleteVersions(name: string): number {
    return this.stmts.deleteVersions.run(name).changes;
  }

  lock(name: string): StateLockRow | undefined {
    return this.stmts.lock.get(name) as StateLockRow | undefined;
  }

  /** Inserts the lock when there is none; returns the row that holds the lock afterwards (ours or the other). */
  tryLock(row: StateLockRow): StateLockRow {
    return this.db.transaction(() => {
      const held = this.lock(row.name);
      if (held) return held;
      this.stmts.insertLock.run(row.name, row.lockId, row.info, row.createdAt, row.createdBy);
      return row;
    })();
  }

  unlock(name: string): void {
    this.stmts.deleteLock.run(name);
  }
}
