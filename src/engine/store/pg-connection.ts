import pg from "pg";
import type { DocWrite } from "./document-store.js";
import { ADVISORY_CLASS, ADVISORY_STARTUP, migrate } from "./pg-schema.js";
import type { StateLockRow, StateVersionRow } from "./team-states.js";

/** A document row as the change feed hands it out: `doc` null = deleted at `seq`. */
export interface FeedRow {
  kind: string;
  uuid: string;
  doc: string | null;
  seq: number;
  createdSeq: number;
}

/** What changed since a seq: the rows, and the feed's counters in the same snapshot. */
export interface FeedPage {
  lastSeq: number;
  prunedSeq: number;
  rows: FeedRow[];
}

/** SQLSTATE the write function raises when a write's base version is not the stored one. */
export const CONFLICT_SQLSTATE = "BP409";

const META = "name, version, serial, lineage, size, md5, created_at, created_by";

/** How long the start-up lock is waited for before the start fails (another node's start-up is stuck). */
const STARTUP_LOCK_WAIT_MS = 120_000;

/**
 * One connection to the metadata database and every statement the PostgreSQL store runs, as async methods. The
 * engine calls them synchronously through a worker thread (`pg-sync.ts`); `engine migrate` calls them directly.
 * Numbers come back as numbers (bigint columns are read with Number: sequence numbers and epoch ms stay far
 * below 2^53).
 */
export class PgMetadataConnection {
  private dropped = false;

  private constructor(
    private client: pg.Client,
    private readonly url: string,
  ) {
    this.watch(client);
  }

  /** Connects (10 s at most) and brings the schema up to date. */
  static async open(url: string, appliedBy: string): Promise<PgMetadataConnection> {
    const client = await connect(url);
    try {
      await migrate(client, appliedBy);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return new PgMetadataConnection(client, url);
  }

  close(): Promise<void> {
    return this.client.end();
  }

  /**
   * Whether the connection is gone (the server restarted, an administrator ended it, the network dropped it),
   * judging also by the error a call just failed with (and remembering what that error says).
   */
  lost(e?: unknown): boolean {
    if (this.dropped || e === undefined) return this.dropped;
    const { code, message } = e as { code?: unknown; message?: unknown };
    const gone =
      (typeof code === "string" && (code.startsWith("08") || ["57P01", "57P02", "57P03", "ECONNRESET", "EPIPE", "ECONNREFUSED"].includes(code))) ||
      (typeof message === "string" && /Connection terminated|not queryable/.test(message));
    this.dropped = gone;
    return gone;
  }

  /** Replaces a lost connection with a new one (the schema is not checked again). */
  async reconnect(): Promise<void> {
    await this.client.end().catch(() => undefined);
    this.client = await connect(this.url);
    this.dropped = false;
    this.watch(this.client);
  }

  private watch(client: pg.Client): void {
    const drop = () => {
      if (client === this.client) this.dropped = true;
    };
    client.on("error", drop);
    client.on("end", drop);
  }

  /** Writes in one statement (all or none); returns each write's new version. */
  async write(writes: readonly DocWrite[]): Promise<number[]> {
    const r = await this.client.query<{ base: string }>("SELECT engine_write_documents($1, $2, $3, $4) AS base", [
      writes.map((w) => w.kind),
      writes.map((w) => w.uuid),
      writes.map((w) => w.json),
      writes.map((w) => w.expected),
    ]);
    const base = Number(r.rows[0]!.base);
    return writes.map((_, i) => base + i + 1);
  }

  /** Every change with a seq above `since`, oldest first, with the feed's counters of the same snapshot. */
  async changesSince(since: number): Promise<FeedPage> {
    const r = await this.client.query({
      text: `SELECT f.last_seq, f.pruned_seq, d.kind, d.uuid, d.doc, d.seq, d.created_seq
               FROM engine_feed f LEFT JOIN engine_documents d ON d.seq > $1
              WHERE f.id = 1 ORDER BY d.seq`,
      values: [since],
      rowMode: "array",
    });
    const rows = r.rows as [string, string, string | null, string | null, string | null, string | null, string | null][];
    const first = rows[0]!;
    return {
      lastSeq: Number(first[0]),
      prunedSeq: Number(first[1]),
      rows: first[2] === null ? [] : rows.map((x) => ({ kind: x[2]!, uuid: x[3]!, doc: x[4], seq: Number(x[5]), createdSeq: Number(x[6]) })),
    };
  }

  /** Every live document in creation order, and the feed's counters, from one snapshot. */
  async everything(): Promise<FeedPage> {
    await this.client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      const f = await this.client.query<{ last_seq: string; pruned_seq: string }>("SELECT last_seq, pruned_seq FROM engine_feed WHERE id = 1");
      const d = await this.client.query({
        text: "SELECT kind, uuid, doc, seq, created_seq FROM engine_documents WHERE doc IS NOT NULL ORDER BY created_seq",
        rowMode: "array",
      });
      await this.client.query("COMMIT");
      const rows = d.rows as [string, string, string, string, string][];
      return {
        lastSeq: Number(f.rows[0]!.last_seq),
        prunedSeq: Number(f.rows[0]!.pruned_seq),
        rows: rows.map((x) => ({ kind: x[0], uuid: x[1], doc: x[2], seq: Number(x[3]), createdSeq: Number(x[4]) })),
      };
    } catch (e) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw e;
    }
  }

  /** Removes tombstones older than `keepSeconds`; returns the highest seq removed (0: none). */
  async pruneTombstones(keepSeconds: number): Promise<number> {
    const r = await this.client.query<{ top: string }>("SELECT engine_prune_tombstones(make_interval(secs => $1)) AS top", [keepSeconds]);
    return Number(r.rows[0]!.top);
  }

  /** Waits (at most two minutes) for the start-up lock; held until `unlockStartup` or the connection ends. */
  async lockStartup(): Promise<void> {
    const deadline = Date.now() + STARTUP_LOCK_WAIT_MS;
    for (;;) {
      const r = await this.client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [ADVISORY_CLASS, ADVISORY_STARTUP]);
      if (r.rows[0]!.ok) return;
      if (Date.now() > deadline) throw new Error(`another engine node has been starting for ${STARTUP_LOCK_WAIT_MS / 1000} s (it holds the start-up lock)`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async unlockStartup(): Promise<void> {
    await this.client.query("SELECT pg_advisory_unlock($1, $2)", [ADVISORY_CLASS, ADVISORY_STARTUP]);
  }

  // ---- copying an embedded engine's metadata in (engine migrate)

  /** Whether the database holds no document (not even a tombstone) and no team state. */
  async isEmpty(): Promise<boolean> {
    const r = await this.client.query<{ used: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM engine_documents) OR EXISTS (SELECT 1 FROM engine_team_state_versions)
              OR EXISTS (SELECT 1 FROM engine_team_state_locks) AS used`,
    );
    return !r.rows[0]!.used;
  }

  /** Every team state version (without its body) and lock: what a comparison with another store needs. */
  async teamStateSummary(): Promise<{ versions: { name: string; version: number; md5: string }[]; locks: { name: string; lockId: string }[] }> {
    const v = await this.client.query<{ name: string; version: number; md5: string }>("SELECT name, version, md5 FROM engine_team_state_versions ORDER BY name, version");
    const l = await this.client.query<{ name: string; lock_id: string }>("SELECT name, lock_id FROM engine_team_state_locks ORDER BY name");
    return { versions: v.rows, locks: l.rows.map((x) => ({ name: x.name, lockId: x.lock_id })) };
  }

  /**
   * Copies documents (in creation order), team state versions and locks in, in one transaction: all or nothing.
   * Every document must be new (a concurrent writer makes the copy fail, not mix).
   */
  async importAll(
    docs: readonly { kind: string; uuid: string; doc: string }[],
    versions: readonly (StateVersionRow & { data: Uint8Array })[],
    locks: readonly StateLockRow[],
  ): Promise<void> {
    await this.client.query("BEGIN");
    try {
      for (let i = 0; i < docs.length; i += 1000) {
        await this.write(docs.slice(i, i + 1000).map((d) => ({ kind: d.kind, uuid: d.uuid, json: d.doc, expected: 0 })));
      }
      for (const v of versions) {
        await this.client.query(`INSERT INTO engine_team_state_versions (${META}, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          v.name,
          v.version,
          v.serial,
          v.lineage,
          v.size,
          v.md5,
          v.createdAt,
          v.createdBy,
          Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength),
        ]);
      }
      for (const l of locks) {
        await this.client.query("INSERT INTO engine_team_state_locks (name, lock_id, info, created_at, created_by) VALUES ($1, $2, $3, $4, $5)", [
          l.name,
          l.lockId,
          l.info,
          l.createdAt,
          l.createdBy,
        ]);
      }
      await this.client.query("COMMIT");
    } catch (e) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw e;
    }
  }

  // ---- team states

  async stateLatest(name: string): Promise<StateVersionRow | undefined> {
    const r = await this.client.query(`SELECT ${META} FROM engine_team_state_versions WHERE name = $1 ORDER BY version DESC LIMIT 1`, [name]);
    return r.rows[0] && versionRow(r.rows[0]);
  }

  async stateVersion(name: string, version: number): Promise<StateVersionRow | undefined> {
    const r = await this.client.query(`SELECT ${META} FROM engine_team_state_versions WHERE name = $1 AND version = $2`, [name, version]);
    return r.rows[0] && versionRow(r.rows[0]);
  }

  async stateVersions(name: string): Promise<StateVersionRow[]> {
    const r = await this.client.query(`SELECT ${META} FROM engine_team_state_versions WHERE name = $1 ORDER BY version`, [name]);
    return r.rows.map(versionRow);
  }

  async stateData(name: string, version: number): Promise<Uint8Array | undefined> {
    const r = await this.client.query<{ data: Buffer }>("SELECT data FROM engine_team_state_versions WHERE name = $1 AND version = $2", [name, version]);
    return r.rows[0]?.data;
  }

  async stateNames(): Promise<string[]> {
    const r = await this.client.query<{ name: string }>(
      "SELECT name FROM engine_team_state_versions GROUP BY name UNION SELECT name FROM engine_team_state_locks ORDER BY name",
    );
    return r.rows.map((x) => x.name);
  }

  /** Appends the next version; two processes appending at once get consecutive versions (the loser retries). */
  async stateAppend(name: string, meta: Omit<StateVersionRow, "name" | "version">, data: Uint8Array): Promise<StateVersionRow> {
    for (;;) {
      try {
        const r = await this.client.query<{ version: number }>(
          `INSERT INTO engine_team_state_versions (${META}, data)
           SELECT $1::text, coalesce(max(version), 0) + 1, $2::bigint, $3::text, $4::bigint, $5::text, $6::bigint, $7::text, $8::bytea
             FROM engine_team_state_versions WHERE name = $1::text
           RETURNING version`,
          [name, meta.serial, meta.lineage, meta.size, meta.md5, meta.createdAt, meta.createdBy, Buffer.from(data.buffer, data.byteOffset, data.byteLength)],
        );
        return { name, version: r.rows[0]!.version, ...meta };
      } catch (e) {
        if ((e as { code?: string }).code !== "23505") throw e; // unique_violation: another process took that version
      }
    }
  }

  async stateDeleteVersions(name: string): Promise<number> {
    return (await this.client.query("DELETE FROM engine_team_state_versions WHERE name = $1", [name])).rowCount ?? 0;
  }

  async stateLock(name: string): Promise<StateLockRow | undefined> {
    const r = await this.client.query("SELECT name, lock_id, info, created_at, created_by FROM engine_team_state_locks WHERE name = $1", [name]);
    return r.rows[0] && lockRow(r.rows[0]);
  }

  /** Takes the lock when free; else returns the holder's row. The primary key decides between racing nodes. */
  async stateTryLock(row: StateLockRow): Promise<StateLockRow> {
    for (;;) {
      const r = await this.client.query(
        "INSERT INTO engine_team_state_locks (name, lock_id, info, created_at, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
        [row.name, row.lockId, row.info, row.createdAt, row.createdBy],
      );
      if (r.rowCount === 1) return row;
      const held = await this.stateLock(row.name);
      if (held) return held; // else the holder unlocked in between: try again
    }
  }

  async stateUnlock(name: string): Promise<void> {
    await this.client.query("DELETE FROM engine_team_state_locks WHERE name = $1", [name]);
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: "backplan-engine" });
  // A dropped connection surfaces as the next query's error; without a listener it would crash the process.
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

type Row = Record<string, unknown>;

function versionRow(r: Row): StateVersionRow {
  return {
    name: r["name"] as string,
    version: r["version"] as number,
    serial: r["serial"] === null ? null : Number(r["serial"]),
    lineage: r["lineage"] as string | null,
    size: Number(r["size"]),
    md5: r["md5"] as string,
    createdAt: Number(r["created_at"]),
    createdBy: r["created_by"] as string,
  };
}

function lockRow(r: Row): StateLockRow {
  return { name: r["name"] as string, lockId: r["lock_id"] as string, info: r["info"] as string, createdAt: Number(r["created_at"]), createdBy: r["created_by"] as string };
}
