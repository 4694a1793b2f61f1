import type { Db } from "./db.js";

/** Anything stored in a collection: a JSON document with a string `uuid`. */
export interface Doc {
  uuid: string;
}

/**
 * One kind of metadata object (CDP tasks, VMs, checkpoints...). Every document is held in memory for fast
 * queries and written through to SQLite on every change, so a restart reloads exactly what was served.
 * Documents handed out are the stored objects themselves: callers must not mutate them, but `put` a copy.
 */
export class Collection<T extends Doc> {
  private readonly byUuid = new Map<string, T>();
  private readonly upsert;
  private readonly remove;

  constructor(
    private readonly db: Db,
    readonly kind: string,
  ) {
    this.upsert = db.prepare("INSERT INTO objects (kind, uuid, doc) VALUES (?, ?, ?) ON CONFLICT (kind, uuid) DO UPDATE SET doc = excluded.doc");
    this.remove = db.prepare("DELETE FROM objects WHERE kind = ? AND uuid = ?");
    const rows = db.prepare("SELECT doc FROM objects WHERE kind = ? ORDER BY rowid").all(kind) as { doc: string }[];
    for (const row of rows) {
      const doc = JSON.parse(row.doc) as T;
      this.byUuid.set(doc.uuid, doc);
    }
  }

  get(uuid: string): T | undefined {
    return this.byUuid.get(uuid);
  }

  has(uuid: string): boolean {
    return this.byUuid.has(uuid);
  }

  /** All documents in insertion order. */
  all(): T[] {
    return [...this.byUuid.values()];
  }

  get size(): number {
    return this.byUuid.size;
  }

  /** Stores `doc` (insert or replace), durably, before returning it. */
  put(doc: T): T {
    this.upsert.run(this.kind, doc.uuid, JSON.stringify(doc));
    this.byUuid.set(doc.uuid, doc);
    return doc;
  }

  /** Removes the document; returns whether it existed. */
  delete(uuid: string): boolean {
    this.remove.run(this.kind, uuid);
    return this.byUuid.delete(uuid);
  }
}
