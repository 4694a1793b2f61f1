import type { CdpPolicy } from "./cdp.js";

/**
 * Ids of the full-copy recovery points older engines wrote into the backup store start with this; such copies
 * are swept at start (recovery points now live in the task's CDP journal).
 */
export const RECOVERY_POINT_COPY_PREFIX = "cdp-";

/** One protected volume in a recovery point. */
export interface RecoveryPointVolume {
  volumeUuid: string;
  type: "Root" | "Data";
  deviceId: number;
  /** Virtual size of the volume in bytes. */
  size: number;
  /** Bytes written to the volume (and journaled) since the previous point; the whole volume for the first one. */
  storedSize: number;
}

/**
 * A point a CDP task can restore to: every volume of every protected VM as of `createDate`. The bytes live in
 * the task's CDP journal (`groupId` is the journal's point); this record is what the ZStack API lists.
 */
export interface RecoveryPoint {
  uuid: string;
  taskUuid: string;
  /** Per-task sequence number, from 1, strictly increasing (ZStack's `groupId`, the journal's point id). */
  groupId: number;
  createDate: number;
  /** Milliseconds from the oldest write this point covers (not covered by the previous one) to the cut. */
  latencyMs: number;
  storedSize: number;
  backupStorageUuid: string;
  vms: { vmInstanceUuid: string; volumes: RecoveryPointVolume[] }[];
}

/** At most this many recovery points are kept per task, newest first (each is a record in the engine database). */
export const MAX_POINTS_PER_TASK = 1000;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The retention fields of a policy (days). */
export type RetentionPolicy = Pick<CdpPolicy, "retentionTimePerDay" | "hourlyRpSinceDay" | "dailyRpSinceDay">;

/**
 * Which recovery points retention keeps, as groupIds. Reading of the policy (ZStack documents the fields only by
 * name): points older than `retentionTimePerDay` days are dropped; points older than `hourlyRpSinceDay` days
 * (when > 0) are thinned to the newest one per hour; older than `dailyRpSinceDay` days (when > 0) to the newest
 * one per day; at most `cap` points are kept (the newest). The newest point is always kept.
 */
export function pointsToKeep(points: readonly { groupId: number; createDate: number }[], policy: RetentionPolicy | undefined, now: number, cap = MAX_POINTS_PER_TASK): number[] {
  const sorted = [...points].sort((a, b) => b.groupId - a.groupId); // newest first
  const keep: number[] = [];
  const buckets = new Set<string>();
  for (const [i, p] of sorted.entries()) {
    if (i === 0) {
      keep.push(p.groupId);
      continue;
    }
    if (keep.length >= cap) break;
    const age = now - p.createDate;
    if (policy && policy.retentionTimePerDay > 0 && age > policy.retentionTimePerDay * DAY_MS) continue;
    let bucket: string | undefined;
    if (policy && policy.dailyRpSinceDay > 0 && age > policy.dailyRpSinceDay * DAY_MS) bucket = `d${Math.floor(p.createDate / DAY_MS)}`;
    else if (policy && policy.hourlyRpSinceDay > 0 && age > policy.hourlyRpSinceDay * DAY_MS) bucket = `h${Math.floor(p.createDate / HOUR_MS)}`;
    if (bucket !== undefined) {
      if (buckets.has(bucket)) continue;
      buckets.add(bucket);
    }
    keep.push(p.groupId);
  }
  return keep.sort((a, b) => a - b);
}
