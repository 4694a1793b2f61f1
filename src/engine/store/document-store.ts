import { Collection, PENDING, type Doc, type DocWriter, type Entry } from "./collection.js";

/**
 * One document change as a store persists it. `expected` is the version the writer based the change on (0: it
 * saw no such document) or `UNCHECKED`; a store that keeps versions refuses the change when the stored version
 * differs. `json` null deletes.
 */
export interface DocWrite {
  kind: string;
  uuid: string;
  json: string | null;
  expected: number;
}

/** `DocWrite.expected` for a write whose base need not be checked (a later write of a document in one transaction). */
export const UNCHECKED = -1;

interface OpenTransaction {
  writes: DocWrite[];
  /** `kind\0uuid` of every document written so far. */
  written: Set<string>;
  /** What each write replaced, to put back on rollback (in write order). */
  undo: { collection: Collection<Doc>; uuid: string; entry: Entry<Doc> | undefined }[];
}

/**
 * What both metadata stores share: the in-memory collections and the transactions over them. A write outside a
 * transaction is persisted at once; inside one it is recorded in memory and all of the transaction's writes are
 * persisted together when the outermost `transaction` returns. On any failure the collections get back the
 * entries they had, so memory never shows a write the store does not hold.
 */
export abstract class DocumentStore implements DocWriter {
  protected readonly collections = new Map<string, Collection<Doc>>();
  private open: OpenTransaction | undefined;

  /** Persists `writes` atomically (all or none), in order; returns each one's new version. */
  protected abstract persist(writes: readonly DocWrite[]): number[];

  /** The documents of `kind` the store holds, in creation order, for a collection being created. */
  protected abstract load(kind: string): Iterable<{ doc: Doc; version: number; order: number }>;

  /** Called after a failed write has been rolled back out of memory (with the error), before it is rethrown. */
  protected afterFailedWrite(_e: unknown): void {}

  collection<T extends Doc>(kind: string): Collection<T> {
    let c = this.collections.get(kind);
    if (!c) {
      c = new Collection<Doc>(kind, this);
      for (const e of this.load(kind)) c.set(e.doc.uuid, e.doc, e.version, e.order);
      this.collections.set(kind, c);
    }
    return c as unknown as Collection<T>;
  }

  /** Whether a transaction is open (a refresh must wait until it ends). */
  protected get inTransaction(): boolean {
    return this.open !== undefined;
  }

  write(collection: Collection<Doc>, uuid: string, doc: Doc | undefined): number {
    const before = collection.entry(uuid);
    const json = doc === undefined ? null : JSON.stringify(doc);
    // Based on the version in memory; deleting what this process never saw needs no check (it is idempotent).
    let expected = before ? before.version : doc === undefined ? UNCHECKED : 0;
    const tx = this.open;
    if (tx) {
      // A second write of the document in this transaction is based on the first, which carries the check.
      const key = `${collection.kind}\0${uuid}`;
      if (tx.written.has(key)) expected = UNCHECKED;
      tx.written.add(key);
      tx.writes.push({ kind: collection.kind, uuid, json, expected });
      tx.undo.push({ collection, uuid, entry: before && { ...before } });
      return PENDING;
    }
    try {
      return this.persist([{ kind: collection.kind, uuid, json, expected }])[0]!;
    } catch (e) {
      this.afterFailedWrite(e);
      throw e;
    }
  }

  transaction<R>(fn: () => R): R {
    const outermost = this.open === undefined;
    const tx = (this.open ??= { writes: [], written: new Set<string>(), undo: [] });
    const mark = { writes: tx.writes.length, undo: tx.undo.length };
    try {
      const result = fn();
      if (result instanceof Promise) throw new TypeError("a metadata transaction must be synchronous: its function returned a Promise");
      if (outermost) {
        this.open = undefined;
        const versions = this.persist(tx.writes);
        tx.writes.forEach((w, i) => this.collections.get(w.kind)?.confirm(w.uuid, versions[i]!));
      }
      return result;
    } catch (e) {
      for (let i = tx.undo.length - 1; i >= mark.undo; i--) {
        const u = tx.undo[i]!;
        u.collection.restore(u.uuid, u.entry);
      }
      tx.undo.length = mark.undo;
      if (tx.writes.length > mark.writes) {
        tx.writes.length = mark.writes;
        tx.written = new Set(tx.writes.map((w) => `${w.kind}\0${w.uuid}`));
      }
      if (outermost) {
        this.open = undefined;
        this.afterFailedWrite(e);
      }
      throw e;
    }
  }
}
