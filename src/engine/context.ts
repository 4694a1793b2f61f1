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
   * `postgres://USER:PASSWORD@HOST:PORT/DATABASE`: keep the metadata in that PostgreSQL database, shared with any
   * other engine process given the same URL (docs/engine-scale-out.md). Absent: `engine.db` in the data dir.
   */
  metadata?: string;
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
  /** Registers work to run when the engine closes (timers, background loops); run in reverse order. */
  onClose(fn: () => void | Promise<void>): void;
}
