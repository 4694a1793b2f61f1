import { DomainError } from "../domain/errors.js";
import type { Collection, Doc } from "./collection.js";
import type { TeamStateRepository } from "./team-states.js";

/**
 * The engine's metadata: every domain object (as collections of JSON documents) and the Terraform states it hosts.
 * Two implementations: `SqliteMetadataStore` (`engine.db` in the data dir, the embedded default) and
 * `PgMetadataStore` (a PostgreSQL database several engine processes share, `--metadata postgres://...`). The
 * domain code sees only this interface; every call is synchronous and a write is durable when it returns.
 */
export interface MetadataStore {
  readonly backend: "sqlite" | "postgres";
  /** Where the metadata lives, fit to print: the `engine.db` path, or the URL with its password masked. */
  readonly location: string;
  /** The collection of documents of `kind`, loaded; the same object for the same kind. */
  collection<T extends Doc>(kind: string): Collection<T>;
  /**
   * Runs `fn` (synchronous) so that its writes are stored all together or not at all. When `fn` throws, or the
   * store refuses the writes, the collections are as they were before and the error is rethrown. Nests: an
   * inner transaction is part of the outer one.
   */
  transaction<R>(fn: () => R): R;
  readonly teamStates: TeamStateRepository;
  /**
   * Brings in what other engine processes committed since the last refresh, so this process's collections show
   * every write committed before the call began. The embedded store has no other writer: a no-op there.
   */
  refresh(): void;
  /**
   * Runs start-up work that must not interleave with another process's start-up on the same database (the
   * `admin` account, the demo lab: created once, not once per node). The embedded store just runs `fn`.
   */
  exclusiveStartup<R>(fn: () => Promise<R>): Promise<R>;
  close(): void;
}

/**
 * A write refused because another engine process changed (or deleted, or created) the document after this
 * process last read it. The store has refreshed by the time this is thrown: re-reading and retrying works.
 * A `conflict` domain error, so every API family answers it as its own conflict code.
 */
export class MetadataConflictError extends DomainError {
  constructor(
    readonly kindOfDoc: string,
    readonly uuid: string,
    detail: string,
  ) {
    super("conflict", `${kindOfDoc}[uuid:${uuid}] was changed by another engine node (${detail}); read it again and retry`);
    this.name = "MetadataConflictError";
  }
}

/** The metadata store cannot be opened or reached: a bad `--metadata` URL, a refused connection, a schema too new. */
export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetadataError";
  }
}
