import type pg from "pg";

/**
 * The cluster's tables in the engine's PostgreSQL database, all named `backplan_cluster_*`. Times are the
 * database's (`now()`), never a node's clock, so nodes with skewed clocks agree on who is dead and when a lease
 * expires. Kept in this one module so the metadata migrations can take them over unchanged.
 */
export const CLUSTER_SCHEMA: readonly string[] = [
  // One row per node that joined: its heartbeat, and the random incarnation of the process using the id now.
  `CREATE TABLE IF NOT EXISTS backplan_cluster_nodes (
     node_id      text PRIMARY KEY,
     incarnation  text NOT NULL,
     url          text,
     started_at   timestamptz NOT NULL DEFAULT now(),
     heartbeat_at timestamptz NOT NULL DEFAULT now()
   )`,
  // One value: the key nodes sign forwarded requests with (created once, by whichever node comes first).
  `CREATE TABLE IF NOT EXISTS backplan_cluster_secret (
     id  smallint PRIMARY KEY CHECK (id = 1),
     key bytea NOT NULL
   )`,
  // Claims: fire-once slots (a schedule's firing) and claims passed on when their claimer died (job failover).
  `CREATE TABLE IF NOT EXISTS backplan_cluster_claims (
     scope      text NOT NULL,
     key        text NOT NULL,
     node_id    text NOT NULL,
     incarnation text NOT NULL,
     claimed_at timestamptz NOT NULL DEFAULT now(),
     done_at    timestamptz,
     PRIMARY KEY (scope, key)
   )`,
  `CREATE INDEX IF NOT EXISTS backplan_cluster_claims_age ON backplan_cluster_claims (claimed_at)`,
  // Leases: one holder at a time until expires_at; wanted_by asks the holder to hand it over.
  `CREATE TABLE IF NOT EXISTS backplan_cluster_leases (
     name       text PRIMARY KEY,
     node_id    text NOT NULL,
     epoch      bigint NOT NULL,
     expires_at timestamptz NOT NULL,
     wanted_by  text
   )`,
];

/** Arbitrary, fixed: the advisory lock key serializing schema creation across nodes starting together. */
export const SCHEMA_LOCK = 0x6270_636c; // "bpcl"
/** Advisory lock key held from a node's join to its ready: one node starts at a time. */
export const STARTUP_LOCK = 0x6270_7374; // "bpst"

/**
 * Creates the cluster's tables when absent, in one transaction under an advisory lock (concurrent `CREATE ...
 * IF NOT EXISTS` can still collide on the catalog), and the shared forwarding key once.
 */
export async function ensureClusterSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
    for (const ddl of CLUSTER_SCHEMA) await client.query(ddl);
    await client.query(`INSERT INTO backplan_cluster_secret (id, key) VALUES (1, ${RANDOM_KEY_SQL}) ON CONFLICT (id) DO NOTHING`);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** 32 random bytes without the pgcrypto extension: two random UUIDs (gen_random_uuid is core since PostgreSQL 13). */
const RANDOM_KEY_SQL = "decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')";
