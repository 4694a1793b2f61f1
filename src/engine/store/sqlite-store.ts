import { join } from "node:path";
import type { Doc } from "./collection.js";
import { openDb, type Db } from "./db.js";
import { DocumentStore, type DocWrite } from "./document-store.js";
import type { MetadataStore } from "./metadata-store.js";
import { TeamStateStore } from "./team-states.js";

/**
 * The embedded metadata store: `engine.db` (SQLite, WAL) in the data dir, one engine process. The file layout is
 * the one every earlier version wrote (table `objects`, rowid order = insertion order), so existing data dirs
 * open unchanged. Versions are not kept (there is no other writer to conflict with): every version is 0.
 */
export class SqliteMetadataStore extends DocumentStore implements MetadataStore {
  readonly backend = "sqlite";
  readonly location: string;
  readonly teamStates: TeamStateStore;
  private readonly stmts;

  /** The open database (the migration to PostgreSQL reads its raw rows). */
  readonly db: Db;

  /** Opens (creating when absent) `engine.db` in `dataDir`, bringing its schema up to date. */
  constructor(dataDir: string) {
    super();
    const db = (this.db = openDb(dataDir));
    this.location = join(dataDir, "engine.db");
    this.teamStates = new TeamStateStore(db);
    this.stmts = {
      load: db.prepare("SELECT doc FROM objects WHERE kind = ? ORDER BY rowid"),
      upsert: db.prepare("INSERT INTO objects (kind, uuid, doc) VALUES (?, ?, ?) ON CONFLICT (kind, uuid) DO UPDATE SET doc = excluded.doc"),
      remove: db.prepare("DELETE FROM objects WHERE kind = ? AND uuid = ?"),
    };
  }

  protected override load(kind: string): Iterable<{ doc: Doc; version: number; order: number }> {
    return (this.stmts.load.all(kind) as { doc: string }[]).map((row) => ({ doc: JSON.parse(row.doc) as Doc, version: 0, order: 0 }));
  }

  protected override persist(writes: readonly DocWrite[]): number[] {
    const run = () => {
      for (const w of writes) {
        if (w.json === null) this.stmts.remove.run(w.kind, w.uuid);
        else this.stmts.upsert.run(w.kind, w.uuid, w.json);
      }
    };
    if (writes.length === 1) run();
    else this.db.transaction(run)();
    return writes.map(() => 0);
  }

  refresh(): void {}

  exclusiveStartup<R>(fn: () => Promise<R>): Promise<R> {
    return fn();
  }

  close(): void {
    this.db.close();
  }
}
