import { hostname } from "node:os";
import { MetadataError } from "./metadata-store.js";
import { PgMetadataConnection } from "./pg-connection.js";
import { checkMetadataUrl, redactMetadataUrl } from "./pg-url.js";
import { recordMetadataLocation } from "./open-store.js";
import { SqliteMetadataStore } from "./sqlite-store.js";
import type { StateLockRow, StateVersionRow } from "./team-states.js";

export interface MetadataMigration {
  /** The target, password masked. */
  to: string;
  documents: number;
  teamStateVersions: number;
  teamStateLocks: number;
  /** false: the target already held exactly this data (a re-run), nothing was written. */
  copied: boolean;
}

/**
 * Copies a stopped embedded engine's metadata (`engine.db` of `dataDir`: every document, every team state version
 * and lock) into the PostgreSQL database of `url`, in one transaction, then records in the data dir that its
 * metadata lives there (the embedded engine refuses the dir from then on). The target must be empty, or hold
 * exactly this data already (a re-run copies nothing); anything else is refused with a MetadataError.
 */
export async function migrateMetadata(opts: { dataDir: string; url: string; option?: string }): Promise<MetadataMigration> {
  const option = opts.option ?? "--to-metadata";
  checkMetadataUrl(opts.url, option);
  const source = readEmbedded(opts.dataDir);
  let conn: PgMetadataConnection;
  try {
    conn = await PgMetadataConnection.open(opts.url, `engine migrate on ${hostname()} pid ${process.pid}`);
  } catch (e) {
    if (e instanceof MetadataError) throw e;
    throw new MetadataError(`${option} ${redactMetadataUrl(opts.url)}: cannot open the metadata database: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const result = {
      to: redactMetadataUrl(opts.url),
      documents: source.docs.length,
      teamStateVersions: source.versions.length,
      teamStateLocks: source.locks.length,
    };
    if (await conn.isEmpty()) {
      await conn.importAll(source.docs, source.versions, source.locks);
      recordMetadataLocation(opts.dataDir, opts.url);
      return { ...result, copied: true };
    }
    const difference = await differenceFrom(conn, source);
    if (difference) {
      throw new MetadataError(`${option} ${result.to} is not empty and does not hold the metadata of ${opts.dataDir} (${difference}): give an empty database`);
    }
    recordMetadataLocation(opts.dataDir, opts.url); // a run interrupted after the commit left it unrecorded
    return { ...result, copied: false };
  } finally {
    await conn.close();
  }
}

interface Embedded {
  docs: { kind: string; uuid: string; doc: string }[];
  versions: (StateVersionRow & { data: Uint8Array })[];
  locks: StateLockRow[];
}

function readEmbedded(dataDir: string): Embedded {
  const store = new SqliteMetadataStore(dataDir);
  try {
    const db = store.db;
    return {
      docs: db.prepare("SELECT kind, uuid, doc FROM objects ORDER BY rowid").all() as Embedded["docs"],
      versions: db
        .prepare(
          "SELECT name, version, serial, lineage, size, md5, created_at AS createdAt, created_by AS createdBy, data FROM team_state_versions ORDER BY name, version",
        )
        .all() as Embedded["versions"],
      locks: db.prepare("SELECT name, lock_id AS lockId, info, created_at AS createdAt, created_by AS createdBy FROM team_state_locks ORDER BY name").all() as StateLockRow[],
    };
  } finally {
    store.close();
  }
}

/** What differs between the target and the source, in a few words; undefined when they hold the same. */
async function differenceFrom(conn: PgMetadataConnection, source: Embedded): Promise<string | undefined> {
  const target = await conn.everything();
  const theirs = new Map(target.rows.map((r) => [`${r.kind}\0${r.uuid}`, r.doc]));
  const differing = source.docs.filter((d) => theirs.get(`${d.kind}\0${d.uuid}`) !== d.doc).length;
  if (differing > 0 || theirs.size !== source.docs.length) {
    return `${theirs.size} documents there, ${source.docs.length} here, ${differing} of these missing or different`;
  }
  const states = await conn.teamStateSummary();
  // Compared as sorted sets of lines: the databases' collations need not agree on ORDER BY name.
  const key = (rows: readonly object[]) => JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
  const mine = {
    versions: source.versions.map((v) => ({ name: v.name, version: v.version, md5: v.md5 })),
    locks: source.locks.map((l) => ({ name: l.name, lockId: l.lockId })),
  };
  if (key(states.versions) !== key(mine.versions)) return `team state versions differ (${states.versions.length} there, ${mine.versions.length} here)`;
  if (key(states.locks) !== key(mine.locks)) return "team state locks differ";
  return undefined;
}
