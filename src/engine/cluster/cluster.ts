/**
 * How one engine node coordinates with the others that share its metadata: who is alive, who fires a schedule,
 * who owns a CDP journal. Two implementations: `EmbeddedCluster` (one process, today's engine: always alone,
 * every claim granted) and `PostgresCluster` (any number of nodes on one PostgreSQL database). The domain uses
 * only this interface; docs/engine-scale-out.md states the rules and bounds.
 */
export interface Cluster {
  /** This node: its id (stable with `--node-name`, random per start otherwise) and where other nodes reach it. */
  readonly self: NodeIdentity;
  /** Whether other nodes may share this engine's metadata (false for the embedded engine). */
  readonly shared: boolean;
  readonly bounds: ClusterBounds;

  /**
   * Registers this node (refusing a `--node-name` a live node already uses) and starts its heartbeat. While the
   * start-up lock is held, no other node can finish joining, so `alone` is an answer that stays true until
   * `ready`: when it is true no other node is live, and work the metadata shows in progress was cut off by a
   * stop (this node may clear it); when false that work may be another node's, in progress.
   */
  join(): Promise<{ alone: boolean }>;
  /** This node now answers at `listenUrl` (used unless `--advertise-url` was given): releases the start-up lock. */
  ready(listenUrl: string): Promise<void>;
  /** Releases this node's leases, stops its heartbeat and unregisters it (it is dead to the others at once). */
  close(): Promise<void>;

  /** The nodes whose heartbeat is younger than `bounds.deadAfterMs`, this one included when it is. */
  liveNodes(): Promise<ClusterNode[]>;

  /**
   * Fire-once: true for exactly one caller per (scope, key), ever (until the claim is pruned, a week later). A
   * claimer that dies keeps its claim: the work is not done again.
   */
  claimOnce(scope: string, key: string): Promise<boolean>;
  /**
   * Exactly one live claimer at a time per (scope, key): true for the first caller, and again for a later caller
   * when the claimer died (its heartbeat is older than the dead bound) before `completeClaim`. For work that must
   * be done once and is safe to redo when half done (failing a dead node's job).
   */
  claimUntilDone(scope: string, key: string): Promise<boolean>;
  /** Marks a `claimUntilDone` claim of this node done: nobody claims it again. */
  completeClaim(scope: string, key: string): Promise<void>;

  /**
   * Takes lease `name` when nobody holds it (or its holder's lease expired), then keeps renewing it until
   * released or lost. Resolves to undefined when another node holds it. `onLost` is called once when the lease
   * can no longer be trusted (renewal failed until the local deadline, another node asked for it, this node lost
   * its heartbeat); the lease is given back when `onLost`'s promise settles, so stop using what it guards first.
   */
  tryLease(name: string, onLost: (reason: string) => Promise<void>): Promise<HeldLease | undefined>;
  /**
   * Takes lease `name`, asking its holder to hand it over (the holder's `onLost` runs, then it gives it back) or
   * waiting for it to expire. Rejects with LeaseTimeout after `bounds.leaseMs * 3`.
   */
  requestLease(name: string, onLost: (reason: string) => Promise<void>): Promise<HeldLease>;
  /** The node holding lease `name` now (its lease not expired), if any. */
  leaseHolder(name: string): Promise<ClusterNode | undefined>;

  /**
   * A mark of this node's liveness now. `stillLive(mark)` stays true while the node has been live without a gap
   * since the mark; once false, the others may have declared it dead (and failed its jobs) since.
   */
  livenessMark(): number;
  stillLive(mark: number): boolean;

  /** Key the nodes share to sign requests they forward to each other (write-forwarding.ts). */
  forwardingKey(): Buffer;
}

export interface NodeIdentity {
  id: string;
  /** Base URL other nodes reach this node at; undefined until `ready` when no `--advertise-url` was given. */
  url: string | undefined;
}

export interface ClusterNode {
  id: string;
  /** Undefined while the node is starting (joined, not yet ready) without an `--advertise-url`. */
  url: string | undefined;
}

export interface HeldLease {
  readonly name: string;
  /** Grows by one each time the lease passes to another holder (a fencing token). */
  readonly epoch: number;
  /** Whether this node may still act as the holder (the local deadline, a safety margin before expiry, is ahead). */
  valid(): boolean;
  /** Gives the lease back (idempotent). */
  release(): Promise<void>;
}

/** Timing of the cluster, in milliseconds. */
export interface ClusterBounds {
  /** How often a node writes its heartbeat. */
  heartbeatMs: number;
  /** A node whose heartbeat is older than this is dead: its jobs are failed and its claims may be taken. */
  deadAfterMs: number;
  /** How long a lease lasts unrenewed; renewed every `leaseMs / 3`. */
  leaseMs: number;
}

export const DEFAULT_BOUNDS: ClusterBounds = { heartbeatMs: 2_000, deadAfterMs: 10_000, leaseMs: 10_000 };

/** The fraction of `leaseMs` after its last renewal (counted from when the renewal was sent) a holder stops acting: the rest is the margin against a slow release. */
export const LEASE_TRUST = 0.8;

/** Bounds that are usable: positive, and a heartbeat and lease renewal several times within their bound. */
export function checkBounds(b: ClusterBounds): ClusterBounds {
  for (const [k, v] of Object.entries(b)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`cluster bound ${k} must be a positive integer of milliseconds, got ${String(v)}`);
  }
  if (b.heartbeatMs * 2 > b.deadAfterMs) throw new Error(`cluster bound deadAfterMs (${b.deadAfterMs}) must be at least twice heartbeatMs (${b.heartbeatMs})`);
  return b;
}

/** Raised by `requestLease` when the lease could not be had in time. */
export class LeaseTimeout extends Error {
  override readonly name = "LeaseTimeout";
  constructor(
    readonly lease: string,
    readonly holder: string | undefined,
    waitedMs: number,
  ) {
    super(`could not take over ${lease} within ${waitedMs} ms${holder ? `: node "${holder}" holds it` : ""}`);
  }
}
