import type pg from "pg";
import { MetadataError } from "./metadata-store.js";

/**
 * The engine's tables in PostgreSQL, as numbered migrations. A migration runs once per database: the versions
 * applied are rows of `engine_schema_migrations`, and several engine processes starting together take turns on
 * a session advisory lock, so each migration runs in exactly one of them, in its own transaction with its row.
 * Append new migrations at the end; never edit one that has shipped.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "documents, change feed, team states",
    sql: `
      -- One row per metadata document; doc NULL is a tombstone (deleted at seq), kept so other processes learn
      -- of the delete, until pruned.
      CREATE TABLE engine_documents (
        kind        text        NOT NULL,
        uuid        text        NOT NULL,
        doc         text,
        seq         bigint      NOT NULL,
        created_seq bigint      NOT NULL,
        changed_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, uuid)
      );
      CREATE INDEX engine_documents_seq ON engine_documents (seq);

      -- The change feed's counter. Every write updates this one row first, so writers hold its row lock until
      -- they commit: they commit one at a time, in sequence-number order, and a reader that has seen every row
      -- up to last_seq has missed none below it. pruned_seq: the highest tombstone removed so far.
      CREATE TABLE engine_feed (
        id         integer PRIMARY KEY CHECK (id = 1),
        last_seq   bigint  NOT NULL,
        pruned_seq bigint  NOT NULL
      );
      INSERT INTO engine_feed VALUES (1, 0, 0);

      -- Writes documents in order, all or none. expected[i]: the version the writer based write i on (0: no
      -- such document), or -1 for no check. A mismatch raises SQLSTATE BP409 naming the document. Returns the
      -- base: write i (1-based) gets version base + i.
      CREATE FUNCTION engine_write_documents(kinds text[], uuids text[], docs text[], expected bigint[])
      RETURNS bigint LANGUAGE plpgsql AS $fn$
      DECLARE
        n    integer := coalesce(array_length(kinds, 1), 0);
        base bigint;
        cur  bigint;
      BEGIN
        UPDATE engine_feed SET last_seq = last_seq + n WHERE id = 1 RETURNING last_seq - n INTO base;
        FOR i IN 1..n LOOP
          SELECT seq INTO cur FROM engine_documents d WHERE d.kind = kinds[i] AND d.uuid = uuids[i] AND d.doc IS NOT NULL;
          cur := coalesce(cur, 0);
          -- Deleting what is already gone is no conflict: the outcome is the same.
          IF expected[i] >= 0 AND cur <> expected[i] AND NOT (docs[i] IS NULL AND cur = 0) THEN
            RAISE EXCEPTION 'document % % is at version %, the write was based on version %', kinds[i], uuids[i], cur, expected[i]
              USING ERRCODE = 'BP409', DETAIL = kinds[i] || ' ' || uuids[i];
          END IF;
          IF docs[i] IS NULL THEN
            UPDATE engine_documents SET doc = NULL, seq = base + i, changed_at = now()
             WHERE kind = kinds[i] AND uuid = uuids[i] AND doc IS NOT NULL;
          ELSE
            INSERT INTO engine_documents AS d (kind, uuid, doc, seq, created_seq) VALUES (kinds[i], uuids[i], docs[i], base + i, base + i)
            ON CONFLICT (kind, uuid) DO UPDATE
              SET doc = excluded.doc, seq = excluded.seq, changed_at = now(),
                  created_seq = CASE WHEN d.doc IS NULL THEN excluded.created_seq ELSE d.created_seq END;
          END IF;
        END LOOP;
        RETURN base;
      END
      $fn$;

      -- Removes tombstones older than keep; a process whose last seen seq is below pruned_seq reloads everything.
      CREATE FUNCTION engine_prune_tombstones(keep interval) RETURNS bigint LANGUAGE plpgsql AS $fn$
      DECLARE
        top bigint;
      BEGIN
        PERFORM 1 FROM engine_feed WHERE id = 1 FOR UPDATE;
        WITH gone AS (DELETE FROM engine_documents WHERE doc IS NULL AND changed_at < now() - keep RETURNING seq)
        SELECT max(seq) INTO top FROM gone;
        IF top IS NOT NULL THEN
          UPDATE engine_feed SET pruned_seq = greatest(pruned_seq, top) WHERE id = 1;
        END IF;
        RETURN coalesce(top, 0);
      END
      $fn$;

      CREATE TABLE engine_team_state_versions (
        name       text    NOT NULL,
        version    integer NOT NULL,
        serial     bigint,
        lineage    text,
        size       bigint  NOT NULL,
        md5        text    NOT NULL,
        created_at bigint  NOT NULL,
        created_by text    NOT NULL,
        data       bytea   NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE engine_team_state_locks (
        name       text   PRIMARY KEY,
        lock_id    text   NOT NULL,
        info       text   NOT NULL,
        created_at bigint NOT NULL,
        created_by text   NOT NULL
      );
    `,
  },
];

/**
 * The advisory lock keys the metadata store takes (two-integer form: this class id, then the object id). Other
 * parts of the engine that take advisory locks in the same database must use other class ids.
 */
export const ADVISORY_CLASS = 0x62706d64; // "bpmd"
export const ADVISORY_MIGRATIONS = 1;
export const ADVISORY_STARTUP = 2;

/**
 * Brings the database's schema up to date; returns the versions this call applied (empty when another process
 * had applied them). Refuses a database whose schema is newer than this engine knows.
 */
export async function migrate(client: pg.ClientBase, appliedBy: string): Promise<number[]> {
  await client.query("SELECT pg_advisory_lock($1, $2)", [ADVISORY_CLASS, ADVISORY_MIGRATIONS]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS engine_schema_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      applied_by text        NOT NULL
    )`);
    const done = new Set((await client.query<{ version: number }>("SELECT version FROM engine_schema_migrations")).rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    if (newest > known) {
      throw new MetadataError(`the metadata database's schema is at version ${newest}, newer than this engine knows (${known}): run a newer backplan`);
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO engine_schema_migrations (version, name, applied_by) VALUES ($1, $2, $3)", [m.version, m.name, appliedBy]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1, $2)", [ADVISORY_CLASS, ADVISORY_MIGRATIONS]);
  }
}
