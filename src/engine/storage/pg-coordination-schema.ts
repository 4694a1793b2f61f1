import type pg from "pg";

/**
 * The tables behind the PostgreSQL storage coordination (pg-coordination.ts), in one place so that they can be
 * folded into the engine's metadata migrations as they are.
 *
 * - `backplan_storage_owners`: one row per lease of an engine process on pins. A row whose `expires_at` has
 *   passed is dead for good: the heartbeat renews only rows that have not expired, so GC may delete the pins of
 *   an expired owner without the owner ever counting on them again.
 * - `backplan_storage_pins`: the chunks each operation in flight has in hand, per backup storage (its uuid),
 *   owned by an owner row; gone with it.
 *
 * The storage lock itself is an advisory lock (no table): key pair (`STORAGE_LOCK_CLASS`, hashtext(storage)).
 */
export const OWNERS_TABLE = "backplan_storage_owners";
export const PINS_TABLE = "backplan_storage_pins";

/** First key of every storage-lock advisory lock ("bpls"); the second is hashtext(<storage uuid>). */
export const STORAGE_LOCK_CLASS = 0x62706c73;
/** Taken (transaction-scoped) while the tables are created, so that engines starting together do not race. */
const SCHEMA_LOCK: readonly [number, number] = [STORAGE_LOCK_CLASS, 0];

const DDL = [
  `CREATE TABLE IF NOT EXISTS ${OWNERS_TABLE} (
     owner_id   text PRIMARY KEY,
     node       text NOT NULL,
     expires_at timestamptz NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS ${PINS_TABLE} (
     storage  text NOT NULL,
     pin_id   text NOT NULL,
     hash     text NOT NULL,
     owner_id text NOT NULL REFERENCES ${OWNERS_TABLE} (owner_id) ON DELETE CASCADE,
     PRIMARY KEY (storage, pin_id, hash)
   )`,
  `CREATE INDEX IF NOT EXISTS ${PINS_TABLE}_owner ON ${PINS_TABLE} (owner_id)`,
];

/** Creates the tables when they are missing (idempotent; safe when several engines start at once). */
export async function ensureCoordinationSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [...SCHEMA_LOCK]);
    for (const statement of DDL) await client.query(statement);
    await client.query("COMMIT");
    client.release();
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}
