import type { Cluster, ClusterBounds } from "./cluster/cluster.js";
import type { Clock } from "./domain/clock.js";
import type { Inventory } from "./domain/inventory.js";
import type { MetadataStore } from "./store/metadata-store.js";
import type { VolumeBackupStore } from "./storage/backup-store.js";

export interface EngineOptions {
  /** Directory holding `engine.db` (without `metadata`), primary storage (volume files) and backup storage. */
  dataDir: string;
  /** Host to listen on; loopback by default. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** ZStack session lifetime in seconds (ZStack's `identity.session.timeout`, default 7200). */
  sessionTimeoutSeconds: number;
  /** Seed the demo lab (zone, offering, network, backup storage, VMs, accounts) when the data dir is empty. */
  demo: boolean;
  /** How long a finished ZStack API job stays pollable, in seconds (default 172800, two days). */
  jobExpirySeconds?: number;
  clock?: Clock;
  /**
   * The time zone this engine's management node runs in (IANA id such as `Asia/Shanghai`, or `+08:00`); the
   * clock face AccessKey `Date` headers are compared with. Default: the process's own zone.
   */
  timeZone?: string;
  /**
   * `s3://BUCKET/PREFIX?endpoint=...`: keep backup chunks in that S3-compatible bucket (docs/engine-scale-out.md).
   * Absent: in each backup storage's `chunks/` directory, the embedded default.
   */
  chunks?: string;
  /**
   * `--primary-storage DIR`: the directory every engine node sees at the same path (a shared mount): volume
   * files in `DIR/<primary storage uuid>/`, backup storages (manifests, VM-backup groups, CDP journals) in
   * `DIR/backup/<backup storage uuid>/` (docs/engine-scale-out.md). Absent: `<dataDir>/primary` and
   * `<dataDir>/backup`, the embedded default.
   */
  primaryStorage?: string;
  /**
   * `postgres://...`: the metadata database several engine nodes share (docs/engine-scale-out.md). Absent: the
   * embedded `engine.db`, one node.
   */
  metadata?: string;
  /** This node's id among the nodes sharing `metadata` (`--node-name`); absent: random per start. */
  nodeName?: string;
  /** The base URL other nodes reach this node at (`--advertise-url`); absent: its listen URL. */
  advertiseUrl?: string;
  /** Heartbeat, dead-node and lease timing (tests shorten them); absent: DEFAULT_BOUNDS. */
  clusterBounds?: Partial<ClusterBounds>;
}

/** What every route family and domain service of one engine instance shares. */
export interface EngineContext {
  readonly options: EngineOptions;
  readonly dataDir: string;
  /**
   * The metadata (collections, team states). With PostgreSQL, other engine processes write to it too: call
   * `store.refresh()` before acting on what it holds (each HTTP request does so on arrival).
   */
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly inventory: Inventory;
  readonly backupStore: VolumeBackupStore;
  /** How this node coordinates with the others sharing its metadata (the embedded engine: a cluster of one). */
  readonly cluster: Cluster;
  /**
   * Whether this node clears, at start, what interrupted runs left in progress (jobs, checkpoints, restores,
   * backups half written, orphaned journals): true unless other nodes were live when it joined — their work in
   * progress would look interrupted.
   */
  readonly recoverInterrupted: boolean;
  /**
   * Brings the in-memory metadata up to date with what other nodes wrote; background loops call it before they
   * read. A no-op for the embedded store (the integrator wires the PostgreSQL store's refresh here).
   */
  readonly refreshMetadata: () => Promise<void>;
  /** Registers work to run when the engine closes (timers, background loops); run in reverse order. */
  onClose(fn: () => void | Promise<void>): void;
}
