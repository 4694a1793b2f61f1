import { hostname } from "node:os";
import type { Doc } from "./collection.js";
import { DocumentStore, type DocWrite } from "./document-store.js";
import { MetadataConflictError, MetadataError, type MetadataStore } from "./metadata-store.js";
import { CONFLICT_SQLSTATE, type FeedPage, type FeedRow } from "./pg-connection.js";
import { WorkerCallError, SyncPgConnection } from "./pg-sync.js";
import { PgTeamStates } from "./pg-team-states.js";
import { checkMetadataUrl, redactMetadataUrl } from "./pg-url.js";

/** Tombstones are kept this long, so a process that refreshes at least this often never needs a full reload. */
const TOMBSTONE_KEEP_SECONDS = 3600;
/** How often (at most) one process prunes tombstones, from its refresh. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Metadata in a PostgreSQL database that several engine processes share (`--metadata postgres://...`).
 *
 * Each process keeps every document in memory, as the embedded store does, and follows the others' writes
 * through a change feed: every write gets a sequence number, in commit order (`engine_write_documents` takes
 * the feed row's lock first), a delete leaves a tombstone, and `refresh()` reads everything above the last seq
 * it saw, in one statement. A document's version is the seq of its last write; a write based on an older
 * version than the stored one is refused (`MetadataConflictError`) and the store refreshes, so nothing another
 * process committed is overwritten unseen.
 */
export class PgMetadataStore extends DocumentStore implements MetadataStore {
  readonly backend = "postgres";
  readonly location: string;
  readonly teamStates: PgTeamStates;
  private lastSeq = 0;
  private prunedAt = 0;
  /** Documents loaded at open, by kind, until their collection is first asked for. */
  private unclaimed = new Map<string, Map<string, FeedRow>>();

  private constructor(
    private readonly conn: SyncPgConnection,
    url: string,
  ) {
    super();
    this.location = redactMetadataUrl(url);
    this.teamStates = new PgTeamStates(conn);
    this.reloadAll(conn.call("everything"));
    this.prune();
  }

  /**
   * Connects to `url` (a `--metadata` URL), migrates the schema and loads every document. Throws a MetadataError
   * naming `option` and the masked URL when the URL is malformed or the server cannot be reached.
   */
  static open(url: string, option = "--metadata"): PgMetadataStore {
    checkMetadataUrl(url, option);
    let conn: SyncPgConnection;
    try {
      conn = SyncPgConnection.open(url, `${hostname()} pid ${process.pid}`);
    } catch (e) {
      if (e instanceof MetadataError) throw e;
      const code = e instanceof WorkerCallError && e.code ? ` (${e.code})` : "";
      throw new MetadataError(`${option} ${redactMetadataUrl(url)}: cannot open the metadata database: ${e instanceof Error ? e.message : String(e)}${code}`);
    }
    try {
      return new PgMetadataStore(conn, url);
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  protected override load(kind: string): Iterable<{ doc: Doc; version: number; order: number }> {
    const rows = [...(this.unclaimed.get(kind)?.values() ?? [])].sort((a, b) => a.createdSeq - b.createdSeq);
    this.unclaimed.delete(kind);
    return rows.map((r) => ({ doc: JSON.parse(r.doc!) as Doc, version: r.seq, order: r.createdSeq }));
  }

  protected override persist(writes: readonly DocWrite[]): number[] {
    if (writes.length === 0) return [];
    try {
      return this.conn.call("write", writes);
    } catch (e) {
      if (e instanceof WorkerCallError && e.code === CONFLICT_SQLSTATE) {
        const [kind, uuid] = (e.detail ?? " ").split(" ", 2) as [string, string];
        throw new MetadataConflictError(kind, uuid, e.message);
      }
      throw e;
    }
  }

  protected override afterFailedWrite(e: unknown): void {
    // The rejected write's base was stale: bring in what replaced it, so the caller's retry reads it.
    if (e instanceof MetadataConflictError) this.refresh();
  }

  refresh(): void {
    if (this.inTransaction) return;
    const page = this.conn.call("changesSince", this.lastSeq);
    if (page.prunedSeq > this.lastSeq) this.reloadAll(this.conn.call("everything"));
    else this.apply(page);
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) this.prune();
  }

  async exclusiveStartup<R>(fn: () => Promise<R>): Promise<R> {
    this.conn.call("lockStartup");
    let result: R;
    try {
      this.refresh(); // what the node that started before us created
      result = await fn();
    } catch (e) {
      // The start-up failed: report that, not a failure to unlock (a lock dies with its connection anyway).
      try {
        this.conn.call("unlockStartup");
      } catch {
        // see above
      }
      throw e;
    }
    this.conn.call("unlockStartup");
    return result;
  }

  close(): void {
    this.conn.close();
  }

  /** Applies a page of the feed: rows this process already has at that version (its own writes) are skipped. */
  private apply(page: FeedPage): void {
    const touched = new Set<string>();
    for (const row of page.rows) {
      if (this.applyRow(row)) touched.add(row.kind);
    }
    for (const kind of touched) this.collections.get(kind)?.sortByOrder();
    this.lastSeq = Math.max(this.lastSeq, page.lastSeq);
  }

  /** Returns whether a document arrived or was created again (its collection may need sorting). */
  private applyRow(row: FeedRow): boolean {
    const coll = this.collections.get(row.kind);
    if (!coll) {
      // Nobody asked for this kind yet: keep the rows for when somebody does.
      let rows = this.unclaimed.get(row.kind);
      if (!rows) this.unclaimed.set(row.kind, (rows = new Map()));
      if (row.doc === null) rows.delete(row.uuid);
      else rows.set(row.uuid, row);
      return false;
    }
    const have = coll.entry(row.uuid);
    if (have && have.version >= row.seq) return false;
    if (row.doc === null) {
      if (have) coll.applyRemote(row.uuid, undefined, row.seq, row.createdSeq);
      return false;
    }
    coll.applyRemote(row.uuid, JSON.parse(row.doc) as Doc, row.seq, row.createdSeq);
    return have?.order !== row.createdSeq;
  }

  /**
   * Replaces everything with a full snapshot (at open, and when tombstones this process had not seen yet were
   * pruned): documents gone from the snapshot are removed from their collections as deletes.
   */
  private reloadAll(page: FeedPage): void {
    const live = new Set(page.rows.map((r) => `${r.kind}\0${r.uuid}`));
    for (const [kind, coll] of this.collections) {
      for (const doc of coll.all()) {
        if (!live.has(`${kind}\0${doc.uuid}`)) coll.applyRemote(doc.uuid, undefined, page.lastSeq, 0);
      }
    }
    this.unclaimed = new Map();
    this.lastSeq = 0;
    this.apply(page);
  }

  private prune(): void {
    this.prunedAt = Date.now();
    this.conn.call("pruneTombstones", TOMBSTONE_KEEP_SECONDS);
  }
}
