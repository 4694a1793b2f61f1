import type pg from "pg";
import { LockError, type LockInfo } from "../lock.js";
import { BackendConfigError, DEFAULT_WORKSPACE, type Backend, type BackendFactory, type StateStorage } from "./backend.js";

/**
 * Terraform's `pg` backend, byte for byte in what it stores and how it locks, so Terraform and backplan share
 * one database:
 *
 * - one row per workspace in `<schema_name>.states(id bigint, name text unique, data text)`, ids from the
 *   sequence `public.global_states_id_seq` (Terraform creates it in `public`, whatever the schema), plus the
 *   unique index `states_by_name`; created on first use unless `skip_*_creation` says not to;
 * - writes are `INSERT ... ON CONFLICT (name) DO UPDATE`;
 * - the lock is the session advisory lock `pg_try_advisory_lock(<row id>)`, taken together with the creation
 *   lock `-1` (released at once when the row exists, held while the workspace is being created), on a
 *   connection of its own that lives exactly as long as the lock. A killed holder's lock dies with its
 *   connection. Terraform stores no lock information for pg, so neither tool can name the other holder.
 */

export const PG_SETTINGS = ["conn_str", "schema_name", "skip_schema_creation", "skip_table_creation", "skip_index_creation"] as const;
const STATES = "states";
const INDEX = "states_by_name";
const CREATE_LOCK = "-1";

interface PgSettings {
  connStr: string;
  schemaName: string;
  skipSchema: boolean;
  skipTable: boolean;
  skipIndex: boolean;
}

/** PostgreSQL identifier quoting (what lib/pq's QuoteIdentifier does). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\0/g, "").replace(/"/g, '""')}"`;
}

export const createPgBackend: BackendFactory = (settings, env) => {
  for (const k of Object.keys(settings)) {
    if (!(PG_SETTINGS as readonly string[]).includes(k)) {
      throw new BackendConfigError(k, `An argument named "${k}" is not expected here: the pg backend takes ${PG_SETTINGS.join(", ")}.`);
    }
  }
  const str = (k: string, envName: string, dflt?: string): string | undefined => {
    const v = settings[k];
    if (v !== undefined && v !== null) {
      if (typeof v !== "string") throw new BackendConfigError(k, `${k} must be a string.`);
      return v;
    }
    const e = env[envName];
    return e !== undefined && e !== "" ? e : dflt;
  };
  const bool = (k: string, envName: string): boolean => {
    const v = settings[k];
    if (v !== undefined && v !== null) {
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw new BackendConfigError(k, `${k} must be true or false.`);
    }
    const e = env[envName];
    if (e === undefined || e === "") return false;
    if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(e)) throw new BackendConfigError(envName, `${envName} must be true or false, got "${e}".`);
    return /^(1|t|T|TRUE|true|True)$/.test(e);
  };
  const connStr = str("conn_str", "PG_CONN_STR");
  if (!connStr) throw new BackendConfigError("conn_str", 'The pg backend needs conn_str (or the PG_CONN_STR environment variable): a postgres:// URL such as "postgres://user@db.example.com/terraform_backend".');
  return new PgBackend({
    connStr,
    schemaName: str("schema_name", "PG_SCHEMA_NAME", "terraform_remote_state")!,
    skipSchema: bool("skip_schema_creation", "PG_SKIP_SCHEMA_CREATION"),
    skipTable: bool("skip_table_creation", "PG_SKIP_TABLE_CREATION"),
    skipIndex: bool("skip_index_creation", "PG_SKIP_INDEX_CREATION"),
  });
};

export class PgBackend implements Backend {
  readonly type = "pg";
  private client: pg.Client | undefined;
  private prepared: Promise<pg.Client> | undefined;
  readonly table: string;

  constructor(readonly settings: PgSettings) {
    this.table = `${quoteIdent(settings.schemaName)}.${STATES}`;
  }

  /** A new connection (the shared one, and one per held lock). */
  async connect(): Promise<pg.Client> {
    // Loaded on first use: every plan and apply selects a backend, and most never reach PostgreSQL.
    const { default: driver } = await import("pg");
    const c = new driver.Client({ connectionString: this.settings.connStr });
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    c.on("error", () => undefined);
    await c.connect();
    return c;
  }

  /** The shared connection, with schema, sequence, table and index prepared once (as Terraform's configure). */
  db(): Promise<pg.Client> {
    this.prepared ??= (async () => {
      const c = await this.connect();
      this.client = c;
      const s = this.settings;
      if (!s.skipSchema) {
        const r = await c.query<{ count: string }>("select count(1) from information_schema.schemata where schema_name = $1", [s.schemaName]);
        if (Number(r.rows[0]?.count ?? 0) < 1) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.schemaName)}`);
      }
      if (!s.skipTable) {
        await c.query("CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint");
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (\n\t\t\tid bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY,\n\t\t\tname text UNIQUE,\n\t\t\tdata text\n\t\t\t)`,
        );
      }
      if (!s.skipIndex) await c.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${INDEX} ON ${this.table} (name)`);
      return c;
    })().catch((e: unknown) => {
      this.prepared = undefined;
      throw new Error(`pg backend (${this.where()}): ${(e as Error).message}`);
    });
    return this.prepared;
  }

  async workspaces(): Promise<string[]> {
    const c = await this.db();
    const r = await c.query<{ name: string }>(`SELECT name FROM ${this.table} WHERE name != 'default' ORDER BY name`);
    return [DEFAULT_WORKSPACE, ...r.rows.map((x) => x.name)];
  }

  state(workspace: string): StateStorage {
    return new PgStateStorage(this, workspace);
  }

  async deleteWorkspace(workspace: string): Promise<void> {
    if (workspace === DEFAULT_WORKSPACE || workspace === "") throw new Error("can't delete default state");
    const c = await this.db();
    await c.query(`DELETE FROM ${this.table} WHERE name = $1`, [workspace]);
  }

  describe(workspace: string): string {
    return `pg ${this.where()} schema "${this.settings.schemaName}" workspace "${workspace}"`;
  }

  /** host:port/database of the connection string, never its password. */
  where(): string {
    try {
      const u = new URL(this.settings.connStr);
      return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
    } catch {
      return "(connection string)";
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.prepared = undefined;
    await c?.end().catch(() => undefined);
  }
}

class PgStateStorage implements StateStorage {
  /** The held lock: its connection and the advisory key taken on it. */
  private held: { id: string; conn: pg.Client; key: string } | undefined;

  constructor(
    private readonly backend: PgBackend,
    private readonly name: string,
  ) {}

  async read(): Promise<Uint8Array | undefined> {
    const c = await this.backend.db();
    const r = await c.query<{ data: string | null }>(`SELECT data FROM ${this.backend.table} WHERE name = $1`, [this.name]);
    const row = r.rows[0];
    return row ? Buffer.from(row.data ?? "", "utf8") : undefined;
  }

  async write(data: Uint8Array): Promise<void> {
    const c = await this.backend.db();
    await c.query(`INSERT INTO ${this.backend.table} (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = $2 WHERE ${STATES}.name = $1`, [
      this.name,
      Buffer.from(data).toString("utf8"),
    ]);
  }

  async lock(info: LockInfo): Promise<string> {
    if (this.held) throw new LockError("held", lockMessage(`Workspace is already locked: ${this.name}`, this.backend, this.name));
    await this.backend.db(); // the table must exist before the lock query reads it
    const conn = await this.backend.connect();
    try {
      const r = await conn.query<{ id: string; did_lock: boolean; did_lock_for_create: boolean }>(
        `SELECT ${STATES}.id, pg_try_advisory_lock(${STATES}.id) AS did_lock, pg_try_advisory_lock(${CREATE_LOCK}) AS did_lock_for_create FROM ${this.backend.table} WHERE ${STATES}.name = $1`,
        [this.name],
      );
      const row = r.rows[0];
      let key: string;
      if (!row) {
        // No row: the workspace is being created; the creation lock guards it until the first write.
        const c = await conn.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${CREATE_LOCK}) AS ok`);
        if (!c.rows[0]?.ok) throw new LockError("held", lockMessage(`Already locked for workspace creation: ${this.name}`, this.backend, this.name));
        key = CREATE_LOCK;
      } else if (!row.did_lock) {
        if (row.did_lock_for_create) await conn.query(`SELECT pg_advisory_unlock(${CREATE_LOCK})`);
        throw new LockError("held", lockMessage(`Workspace is already locked: ${this.name}`, this.backend, this.name, row.id));
      } else if (!row.did_lock_for_create) {
        await conn.query("SELECT pg_advisory_unlock($1::bigint)", [row.id]);
        throw new LockError("held", lockMessage(`Cannot lock workspace; already locked for workspace creation: ${this.name}`, this.backend, this.name));
      } else {
        await conn.query(`SELECT pg_advisory_unlock(${CREATE_LOCK})`);
        key = row.id;
      }
      this.held = { id: info.ID, conn, key };
      return info.ID;
    } catch (e) {
      await conn.end().catch(() => undefined);
      throw e;
    }
  }

  async unlock(id: string): Promise<void> {
    const h = this.held;
    if (!h) {
      throw new LockError(
        "not_locked",
        `Failed to unlock state: ${this.backend.describe(this.name)} is not locked by this process\n\n` +
          "A pg lock is a session advisory lock: it ends with its holder's connection (a killed run's lock is already gone), and\n" +
          "no other session can release it. To end a stuck holder, find its pid in pg_locks (locktype 'advisory') and run\n" +
          "SELECT pg_terminate_backend(pid).",
      );
    }
    if (h.id !== id) throw new LockError("id_mismatch", `Failed to unlock state: lock ID ${JSON.stringify(id)} does not match ${JSON.stringify(h.id)}`);
    this.held = undefined;
    try {
      await h.conn.query("SELECT pg_advisory_unlock($1::bigint)", [h.key]);
    } finally {
      // Ending the session releases every advisory lock it holds, whatever happened above.
      await h.conn.end().catch(() => undefined);
    }
  }

  async lockHolder(): Promise<LockInfo | undefined> {
    return undefined;
  }
}

function lockMessage(cause: string, backend: PgBackend, workspace: string, rowId?: string): string {
  return [
    "Error acquiring the state lock",
    "",
    `Error message: ${cause}`,
    "Lock Info: not recorded (the pg backend keeps no lock information, in Terraform as in backplan).",
    `  The holder is the database session holding advisory lock ${rowId ?? CREATE_LOCK} on ${backend.describe(workspace)};`,
    "  find it in pg_locks (locktype 'advisory') joined with pg_stat_activity.",
    "",
    "backplan acquires a state lock to protect the state from being written",
    "by multiple users at the same time. Please resolve the issue above and try",
    "again. A pg lock ends with its holder's connection: there is nothing to",
    "force-unlock after a crash.",
  ].join("\n");
}
