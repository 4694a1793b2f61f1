import type { ProtectionFact, RecoveryData } from "../../src/sdk/index.js";

const DAY = 86_400;
const FREQ_SECONDS: Readonly<Record<string, number>> = { SECONDLY: 1, MINUTELY: 60, HOURLY: 3600, DAILY: DAY, WEEKLY: 7 * DAY, MONTHLY: 31 * DAY, YEARLY: 366 * DAY };

/**
 * The longest gap, in seconds, between two runs of an iCalendar RRULE as CSBS schedules use it (FREQ, INTERVAL,
 * BYDAY for weekly rules, BYHOUR for daily ones). Null when the text holds no RRULE this understands. The gap is
 * the schedule's worst-case RPO: uneven BYDAY/BYHOUR lists are taken as their largest gap.
 */
export function rruleGapSeconds(pattern: string): number | null {
  const rule = /RRULE:([^\r\n\\]+)/.exec(pattern)?.[1];
  if (!rule) return null;
  const parts = new Map(rule.split(";").map((kv) => kv.split("=") as [string, string]));
  const base = FREQ_SECONDS[parts.get("FREQ") ?? ""];
  if (base === undefined) return null;
  const interval = Math.max(1, Number(parts.get("INTERVAL") ?? "1") || 1);
  const freq = parts.get("FREQ");
  if (freq === "WEEKLY" && interval === 1 && parts.has("BYDAY")) return largestGap(parts.get("BYDAY")!.split(",").map((d) => WEEKDAYS.indexOf(d.slice(-2))).filter((i) => i >= 0), 7) * DAY;
  if (freq === "DAILY" && interval === 1 && parts.has("BYHOUR")) return largestGap(parts.get("BYHOUR")!.split(",").map(Number).filter((h) => Number.isInteger(h) && h >= 0 && h < 24), 24) * 3600;
  return base * interval;
}

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/** Largest distance between consecutive members of `points` on a cycle of `period` (the whole period for one or none). */
function largestGap(points: number[], period: number): number {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  if (sorted.length <= 1) return period;
  let gap = sorted[0]! + period - sorted[sorted.length - 1]!;
  for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i]! - sorted[i - 1]!);
  return gap;
}

interface PolicyAttrs {
  provider_id: string | null;
  resource: readonly { id: string; name: string | null }[] | null;
  scheduled_operation: readonly {
    enabled: boolean | null;
    trigger_pattern: string | null;
    max_backups: number | null;
    retention_duration_days: number | null;
    permanent: boolean | null;
    day_backups: number | null;
    week_backups: number | null;
    month_backups: number | null;
    year_backups: number | null;
  }[] | null;
  status?: string | null;
}

/**
 * What a CSBS backup policy protects: each of its servers on the schedule's period (the RPO), kept as its
 * retention says: forever when `permanent` or -1, `retention_duration_days`, or else as long as `max_backups`
 * runs of the schedule, stretched by the long-term tiers (day/week/month/year backups kept).
 */
export function backupPolicyFacts(p: PolicyAttrs): ProtectionFact[] {
  const op = p.scheduled_operation?.[0];
  const rpo = op?.trigger_pattern ? rruleGapSeconds(op.trigger_pattern) : null;
  let retention: number | null = null;
  if (op) {
    if (op.permanent || op.retention_duration_days === -1 || op.max_backups === -1) retention = Infinity;
    else if (op.retention_duration_days !== null && op.retention_duration_days > 0) retention = op.retention_duration_days;
    else if (op.max_backups !== null && op.max_backups > 0 && rpo !== null) retention = (op.max_backups * rpo) / DAY;
    const tiers = [
      (op.day_backups ?? 0) * 1,
      (op.week_backups ?? 0) * 7,
      (op.month_backups ?? 0) * 31,
      (op.year_backups ?? 0) * 366,
    ].filter((d) => d > 0);
    if (tiers.length && retention !== Infinity) retention = Math.max(retention ?? 0, ...tiers);
  }
  const enabled = op?.enabled !== false && (p.status ?? "enabled") !== "suspended";
  return (p.resource ?? []).map((r) => ({
    kind: "covers",
    vm: r.id,
    vmName: r.name,
    method: "scheduled",
    rpoSeconds: rpo,
    retentionDays: retention,
    storage: p.provider_id,
    enabled,
  }));
}

interface CheckpointAttrs {
  provider_id: string | null;
  status: string | null;
  created_at: string | null;
  checkpoint_items: readonly { resource_id: string | null; resource_name: string | null; size_mb: number | null; created_at: string | null; status: string | null }[] | null;
}

/** A checkpoint is a backup taken once of each resource it holds, kept until deleted. */
export function checkpointFacts(c: CheckpointAttrs): ProtectionFact[] {
  const vms = new Map<string, string | null>();
  for (const i of c.checkpoint_items ?? []) if (i.resource_id) vms.set(i.resource_id, i.resource_name);
  return [...vms].map(([vm, name]) => ({ kind: "covers", vm, vmName: name, method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: c.provider_id, enabled: c.status !== "error" }));
}

/**
 * What deleting a checkpoint removes, per server: its backups (checkpoint items) with their sizes. Read from the
 * refreshed attributes: the plan's refresh already listed the items, so no further call is needed.
 */
export function checkpointData(c: CheckpointAttrs): RecoveryData[] {
  const byVm = new Map<string, { count: number; mb: number | null; times: number[] }>();
  for (const i of c.checkpoint_items ?? []) {
    if (!i.resource_id || i.status === "deleted") continue;
    const e = byVm.get(i.resource_id) ?? { count: 0, mb: null, times: [] };
    e.count++;
    if (i.size_mb !== null) e.mb = (e.mb ?? 0) + i.size_mb;
    const t = Date.parse(i.created_at ?? c.created_at ?? "");
    if (Number.isFinite(t)) e.times.push(t);
    byVm.set(i.resource_id, e);
  }
  return [...byVm].map(([vm, e]) => ({
    vm,
    kind: "checkpoint",
    count: e.count,
    bytes: e.mb === null ? null : Math.round(e.mb * 1024 * 1024),
    oldest: e.times.length ? new Date(Math.min(...e.times)).toISOString() : null,
    newest: e.times.length ? new Date(Math.max(...e.times)).toISOString() : null,
  }));
}

interface BackupAttrs {
  resource_id: string | null;
  status: string | null;
  created_at: string | null;
  vm_metadata: readonly { name: string | null }[] | null;
  volume_backups: readonly { size: number | null }[] | null;
}

/** A per-server backup (csbs_backup) protects its server once, kept until deleted. */
export function backupFacts(b: BackupAttrs): ProtectionFact[] {
  if (!b.resource_id) return [];
  const name = b.vm_metadata?.[0]?.name ?? null;
  return [{ kind: "covers", vm: b.resource_id, vmName: name, method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: CSBS_STORAGE, enabled: b.status !== "error" }];
}

/** What deleting a per-server backup removes: the one backup of its server, its size the sum of its volume copies (MB). */
export function backupData(b: BackupAttrs): RecoveryData[] {
  if (!b.resource_id) return [];
  const sizes = (b.volume_backups ?? []).map((v) => v.size).filter((s): s is number => s !== null);
  const t = Date.parse(b.created_at ?? "");
  const when = Number.isFinite(t) ? new Date(t).toISOString() : null;
  return [{ vm: b.resource_id, kind: "backup", count: 1, bytes: sizes.length ? Math.round(sizes.reduce((a, s) => a + s, 0) * 1024 * 1024) : null, oldest: when, newest: when }];
}

/** Where CSBS keeps a per-server backup: its one backup provider. */
const CSBS_STORAGE = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";
