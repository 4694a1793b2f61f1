import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { basename } from "node:path";
import pg from "pg";
import type { ChunkPin, LockHold, PinScan, StorageCoordination, StorageLock } from "./coordination.js";
import { StorageError } from "./errors.js";
import { OWNERS_TABLE, PINS_TABLE, STORAGE_LOCK_CLASS, ensureCoordinationSchema } from "./pg-coordination-schema.js";

export interface PgCoordinationOptions {
  /**
   * How long the pins of an engine that stopped renewing them (killed, frozen, cut off from PostgreSQL) keep
   * protecting their chunks: GC elsewhere ignores them at most this long after the last renewal. Default 60 s.
   */
  pinLeaseMs?: number;
  /** Connections that may hold a storage lock at once (each held section keeps one). Default 32. */
  maxLockConnections?: number;
}

export const DEFAULT_PIN_LEASE_MS = 60_000;

/**
 * TCP keepalive of a lock's connection, set on the server's side of it: PostgreSQL notices a node that vanished
 * (power loss, partition) and releases its locks after about IDLE + INTERVAL × COUNT seconds of silence.
 */
const KEEPALIVE = { idle: 10, interval: 5, count: 3 } as const;
/** How long after its node vanished PostgreSQL still counts a lock as held, in seconds (the bound above). */
export const LOCK_RELEASE_BOUND_S = KEEPALIVE.idle + KEEPALIVE.interval * KEEPALIVE.count;

/**
 * The cluster-wide `StorageCoordination` (coordination.ts) in PostgreSQL, for engine nodes that share backup
 * storages (a primary-storage directory and a bucket):
 *
 * - **Lock**: a session-level advisory lock per storage, shared or exclusive, held on a pooled connection for
 *   exactly the section. A node that dies loses its locks with its connection: at once when its process is
 *   killed (the kernel closes the socket), within `LOCK_RELEASE_BOUND_S` when its host vanishes (keepalive).
 *   `LockHold.confirm` is a round trip on that connection: it fails once the connection (and so the lock) may be
 *   gone, before a manifest is published or a slice of chunks deleted.
 * - **Pins**: rows in `backplan_storage_pins`, owned by this process's row in `backplan_storage_owners`, whose
 *   lease a heartbeat renews every quarter lease. Pins of an owner whose lease passed are ignored and removed by
 *   GC: a dead node's pins stop protecting chunks at most `pinLeaseMs` after its last heartbeat. An expired
 *   owner is never renewed (the heartbeat only extends a lease that is still running), so `ChunkPin.confirm`
 *   before publishing proves every GC so far counted the pin. After losing its lease the process starts a new
 *   owner for new operations; the operations of the lapsed one fail with `unavailable`.
 *
 * Storages are named by their directory's name (the backup storage uuid), which every node agrees on.
 */
export class PgCoordination implements StorageCoordination {
  readonly kind = "postgres" as const;
  readonly description: string;
  readonly pinLeaseMs: number;
  private readonly node = `${hostname()}:${process.pid}`;
  private owner: Promise<string> | undefined;
  /** Pins whose release failed (pin id → storage): retried by the heartbeat, or they would outlive their operation. */
  private readonly unreleased = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly lockPool: pg.Pool,
    url: string,
    opts: PgCoordinationOptions,
  ) {
    this.description = describePgUrl(url);
    this.pinLeaseMs = opts.pinLeaseMs ?? DEFAULT_PIN_LEASE_MS;
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), Math.max(50, Math.floor(this.pinLeaseMs / 4)));
    this.heartbeat.unref();
  }

  /**
   * Connects to `url`, creates the tables when missing and starts this process's pin owner. Throws
   * `invalid_argument` (field `metadata`) when the database cannot be reached or used.
   */
  static async open(url: string, opts: PgCoordinationOptions = {}): Promise<PgCoordination> {
    const lease = opts.pinLeaseMs ?? DEFAULT_PIN_LEASE_MS;
    if (!Number.isSafeInteger(lease) || lease < 200) throw new StorageError("invalid_argument", `pinLeaseMs must be an integer of at least 200, got ${lease}`, "pinLeaseMs");
    const pool = newPool(url, 4);
    const lockPool = newPool(url, opts.maxLockConnections ?? 32);
    const c = new PgCoordination(pool, lockPool, url, opts);
    try {
      await ensureCoordinationSchema(pool);
      await c.currentOwner();
    } catch (e) {
      await c.close();
      throw new StorageError("invalid_argument", `storage coordination in ${describePgUrl(url)} is not usable: ${(e as Error).message}`, "metadata");
    }
    return c;
  }

  lock(storageDir: string): StorageLock {
    const storage = basename(storageDir);
    return {
      shared: (fn) => this.hold(storage, "shared", fn),
      exclusive: (fn) => this.hold(storage, "exclusive", fn),
    };
  }

  async pin(storageDir: string): Promise<ChunkPin> {
    const owner = await this.currentOwner();
    return new PgPin(this.pool, { storage: basename(storageDir), pinId: randomUUID(), ownerId: owner, leaseMs: this.pinLeaseMs }, (storage, pinId) =>
      this.unreleased.set(pinId, storage),
    );
  }

  async scanPins(storageDir: string): Promise<PinScan> {
    const { rows } = await this.pool.query<{ hash: string | null; stale: string | null }>(
      `SELECT CASE WHEN o.expires_at > now() THEN p.hash END AS hash,
              CASE WHEN o.expires_at > now() THEN NULL ELSE p.owner_id END AS stale
         FROM ${PINS_TABLE} p JOIN ${OWNERS_TABLE} o USING (owner_id)
        WHERE p.storage = $1`,
      [basename(storageDir)],
    );
    const live = new Set<string>();
    const stale = new Set<string>();
    for (const r of rows) {
      if (r.hash !== null) live.add(r.hash);
      if (r.stale !== null) stale.add(r.stale);
    }
    return { live, stale: [...stale] };
  }

  /** Removes the pins of expired owners in the storage, and expired owners with no pin left anywhere. */
  async removeStalePins(storageDir: string, stale: readonly string[]): Promise<void> {
    if (stale.length > 0) await this.pool.query(`DELETE FROM ${PINS_TABLE} WHERE storage = $1 AND owner_id = ANY($2::text[])`, [basename(storageDir), stale]);
    await this.pool.query(
      `DELETE FROM ${OWNERS_TABLE} o WHERE o.expires_at <= now() AND NOT EXISTS (SELECT 1 FROM ${PINS_TABLE} p WHERE p.owner_id = o.owner_id)`,
    );
  }

  tmpIsLeftover(): boolean {
    return true;
  }

  /** Stops the heartbeat, drops this process's owner (its pins go with it) and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    const owner = await this.owner?.catch(() => undefined);
    if (owner !== undefined) await this.pool.query(`DELETE FROM ${OWNERS_TABLE} WHERE owner_id = $1`, [owner]).catch(() => undefined);
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  /** The running owner, created when there is none (first use, or the last one's lease lapsed). */
  private currentOwner(): Promise<string> {
    if (this.closed) return Promise.reject(new StorageError("unavailable", `storage coordination ${this.description} is closed`));
    if (!this.owner) {
      const id = randomUUID();
      const p = this.pool
        .query(`INSERT INTO ${OWNERS_TABLE} (owner_id, node, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')`, [id, this.node, this.pinLeaseMs])
        .then(() => id);
      p.catch(() => {
        if (this.owner === p) this.owner = undefined;
      });
      this.owner = p;
    }
    return this.owner;
  }

  /**
   * Extends the owner's lease if it is still running; a lapsed owner is dropped (the next pin starts a new one).
   * Retries the releases that failed.
   */
  private async renew(): Promise<void> {
    for (const [pinId, storage] of this.unreleased) {
      await this.pool.query(`DELETE FROM ${PINS_TABLE} WHERE storage = $1 AND pin_id = $2`, [storage, pinId]);
      this.unreleased.delete(pinId);
    }
    const current = this.owner;
    const id = await current?.catch(() => undefined);
    if (id === undefined || this.closed) return;
    const r = await this.pool.query(
      `UPDATE ${OWNERS_TABLE} SET expires_at = now() + $2 * interval '1 millisecond' WHERE owner_id = $1 AND expires_at > now()`,
      [id, this.pinLeaseMs],
    );
    if (r.rowCount === 0 && this.owner === current) this.owner = undefined;
  }

  private async hold<T>(storage: string, mode: "shared" | "exclusive", fn: (hold: LockHold) => Promise<T>): Promise<T> {
    const fn_ = mode === "shared" ? "pg_advisory_lock_shared" : "pg_advisory_lock";
    const unlock = mode === "shared" ? "pg_advisory_unlock_shared" : "pg_advisory_unlock";
    const failed = (what: string, why: unknown) =>
      new StorageError("unavailable", `the ${mode} lock of backup storage ${storage} in ${this.description} ${what} (${(why as Error).message}); the operation was abandoned`);
    const client = await this.lockPool.connect().catch((e: unknown) => Promise.reject(failed("could not be taken", e)));
    try {
      await client.query(
        `SELECT set_config('tcp_keepalives_idle', $3, false), set_config('tcp_keepalives_interval', $4, false),
                set_config('tcp_keepalives_count', $5, false), ${fn_}($1, hashtext($2))`,
        [STORAGE_LOCK_CLASS, storage, String(KEEPALIVE.idle), String(KEEPALIVE.interval), String(KEEPALIVE.count)],
      );
    } catch (e) {
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw failed("could not be taken", e);
    }
    let broken: Error | undefined;
    try {
      return await fn({
        confirm: async () => {
          try {
            await client.query("SELECT 1");
          } catch (e) {
            broken = e instanceof Error ? e : new Error(String(e));
            throw failed("was lost", e);
          }
        },
      });
    } finally {
      if (!broken) {
        try {
          await client.query(`SELECT ${unlock}($1, hashtext($2))`, [STORAGE_LOCK_CLASS, storage]);
        } catch (e) {
          broken = e instanceof Error ? e : new Error(String(e));
        }
      }
      // A connection that failed is dropped, and with it whatever it held.
      client.release(broken);
    }
  }
}

interface PinIdentity {
  storage: string;
  pinId: string;
  /** The owner whose lease the pin lives by: the process's owner when the pin started. */
  ownerId: string;
  leaseMs: number;
}

/** The pin of one operation: rows keyed by a random pin id, owned by the process's owner at the pin's start. */
class PgPin implements ChunkPin {
  constructor(
    private readonly pool: pg.Pool,
    private readonly id: PinIdentity,
    private readonly releaseLater: (storage: string, pinId: string) => void,
  ) {}

  async add(hashes: Iterable<string | null>): Promise<void> {
    const list = [...hashes].filter((h): h is string => h !== null);
    // Inserted only while the owner's lease runs; otherwise GC may already have ignored this pin.
    const { rows } = await this.pool.query<{ alive: string }>(
      `WITH alive AS (SELECT owner_id FROM ${OWNERS_TABLE} WHERE owner_id = $1 AND expires_at > now()),
            added AS (INSERT INTO ${PINS_TABLE} (storage, pin_id, hash, owner_id)
                      SELECT $2, $3, h, alive.owner_id FROM alive, unnest($4::text[]) AS h
                      ON CONFLICT DO NOTHING)
       SELECT count(*) AS alive FROM alive`,
      [this.id.ownerId, this.id.storage, this.id.pinId, list],
    );
    if (Number(rows[0]?.alive ?? 0) === 0) throw this.lapsed();
  }

  async confirm(): Promise<void> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ${OWNERS_TABLE} WHERE owner_id = $1 AND expires_at > now()`, [this.id.ownerId]);
    if ((rowCount ?? 0) === 0) throw this.lapsed();
  }

  /** Never fails the operation it ends: a release PostgreSQL did not take is retried by the heartbeat. */
  async release(): Promise<void> {
    try {
      await this.pool.query(`DELETE FROM ${PINS_TABLE} WHERE storage = $1 AND pin_id = $2`, [this.id.storage, this.id.pinId]);
    } catch {
      this.releaseLater(this.id.storage, this.id.pinId);
    }
  }

  private lapsed(): StorageError {
    return new StorageError(
      "unavailable",
      `the pins of this engine on backup storage ${this.id.storage} lapsed (no lease renewal within ${this.id.leaseMs} ms): ` +
        "a garbage collection elsewhere may have removed their chunks, so the operation was abandoned",
    );
  }
}

function newPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, keepAlive: true });
  // An idle connection dropped by the server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  return pool;
}

/** `postgres://host:port/database` of a connection string, never its user or password. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(PostgreSQL connection string)";
  }
}
