/** Anything stored in a collection: a JSON document with a string `uuid`. */
export interface Doc {
  uuid: string;
}

/**
 * How a collection makes its changes durable: the metadata store that owns it. `write` persists the change (now,
 * or at the end of the store's open transaction) and returns the version the document has afterwards; it throws,
 * leaving nothing changed, when the change cannot be made.
 */
export interface DocWriter {
  write(collection: Collection<Doc>, uuid: string, doc: Doc | undefined): number;
}

/**
 * Told of each change to a collection that did not come from its own `put`/`delete`: another engine process's
 * write as `refresh()` brings it in, or this process's writes undone because their transaction failed.
 * `next` undefined: the document is gone; `prev` undefined: it is new.
 */
export type StoreChangeListener<T> = (uuid: string, next: T | undefined, prev: T | undefined) => void;

/** The version of a document written inside a transaction until the transaction commits. */
export const PENDING = Number.POSITIVE_INFINITY;

/** A stored document with what the store knows of it. */
export interface Entry<T> {
  doc: T;
  /** The store's version of the document (PostgreSQL: the sequence number of its last write; SQLite: 0). */
  version: number;
  /** Its position in `all()`: the sequence number of its creation (0 where the store keeps no such number). */
  order: number;
}

/**
 * One kind of metadata object (CDP tasks, VMs, checkpoints...). Every document is held in memory for fast
 * queries and written through to the metadata store on every change, so a restart reloads exactly what was
 * served. Documents handed out are the stored objects themselves: callers must not mutate them, but `put` a copy.
 *
 * Built by a `MetadataStore` (`store.collection(kind)`), which also brings in what other engine processes sharing
 * its database wrote (`store.refresh()`). A `put` or `delete` is based on the version this process last saw: when
 * another process changed the document since, the store refuses it (`MetadataConflictError`) instead of losing
 * that change.
 */
export class Collection<T extends Doc> {
  private byUuid = new Map<string, Entry<T>>();
  private readonly listeners: StoreChangeListener<T>[] = [];

  constructor(
    readonly kind: string,
    private readonly writer: DocWriter,
  ) {}

  get(uuid: string): T | undefined {
    return this.byUuid.get(uuid)?.doc;
  }

  has(uuid: string): boolean {
    return this.byUuid.has(uuid);
  }

  /** All documents in insertion order (an update keeps a document's place; a deleted and re-added one goes last). */
  all(): T[] {
    return Array.from(this.byUuid.values(), (e) => e.doc);
  }

  get size(): number {
    return this.byUuid.size;
  }

  /** Stores `doc` (insert or replace), durably, before returning it. */
  put(doc: T): T {
    const version = this.writer.write(this as unknown as Collection<Doc>, doc.uuid, doc);
    this.set(doc.uuid, doc, version);
    return doc;
  }

  /** Removes the document; returns whether it existed. */
  delete(uuid: string): boolean {
    this.writer.write(this as unknown as Collection<Doc>, uuid, undefined);
    return this.byUuid.delete(uuid);
  }

  /** Registers `listener` (see `StoreChangeListener`): what keeps an index derived from the documents right. */
  onStoreChange(listener: StoreChangeListener<T>): void {
    this.listeners.push(listener);
  }

  // ---- for the owning store only

  /** The document with its version and place, as the store last recorded it. */
  entry(uuid: string): Entry<T> | undefined {
    return this.byUuid.get(uuid);
  }

  /** Records `doc` (undefined: removes it) without writing anything; `order` is used for a new document only. */
  set(uuid: string, doc: T | undefined, version: number, order = version): void {
    if (doc === undefined) {
      this.byUuid.delete(uuid);
      return;
    }
    const prev = this.byUuid.get(uuid);
    this.byUuid.set(uuid, { doc, version, order: prev?.order ?? order });
  }

  /**
   * Gives a document written inside a transaction the version the store assigned at commit (a new document
   * written there was recorded with `PENDING`, and is placed by this version from now on).
   */
  confirm(uuid: string, version: number): void {
    const e = this.byUuid.get(uuid);
    if (!e) return;
    e.version = version;
    if (e.order === PENDING) e.order = version;
  }

  /** Puts an entry back as it was before a failed transaction (undefined: the document did not exist). */
  restore(uuid: string, entry: Entry<T> | undefined): void {
    const prev = this.byUuid.get(uuid)?.doc;
    if (entry === undefined) this.byUuid.delete(uuid);
    else this.byUuid.set(uuid, entry);
    if (prev !== entry?.doc) for (const listener of this.listeners) listener(uuid, entry?.doc, prev);
  }

  /**
   * Applies a change another process made and tells the listeners. `order` is the store's creation number of the
   * document, which replaces the one known so far (another process may have deleted and created it again).
   */
  applyRemote(uuid: string, doc: T | undefined, version: number, order: number): void {
    const prev = this.byUuid.get(uuid)?.doc;
    if (doc === undefined) this.byUuid.delete(uuid);
    else this.byUuid.set(uuid, { doc, version, order });
    for (const listener of this.listeners) listener(uuid, doc, prev);
  }

  /** Puts the documents in creation order again (after another process's older creations arrived late). */
  sortByOrder(): void {
    const entries = [...this.byUuid.entries()];
    if (entries.every(([, e], i) => i === 0 || entries[i - 1]![1].order <= e.order)) return;
    this.byUuid = new Map(entries.sort((a, b) => a[1].order - b[1].order));
  }
}
