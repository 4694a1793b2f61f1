import type { ProtectionFact, RecoveryData, SurveyedVm } from "../../src/sdk/index.js";
import type { Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { queryAll } from "./inventory.js";
import { list, str } from "./wire.js";

/** What a CDP task protects: each VM continuously, at most `max_latency` behind; retention comes from its policy. */
export function cdpTaskFacts(t: { resource_uuids: readonly string[] | null; max_latency: number | null; backup_storage_uuid: string | null; policy_uuid: string | null; enabled: boolean | null }): ProtectionFact[] {
  return (t.resource_uuids ?? []).map((vm) => ({
    kind: "covers",
    vm,
    vmName: null,
    method: "continuous",
    // ZStack's default maxLatency is 600000 ms; an unset one (null) leaves the policy's interval to decide.
    rpoSeconds: t.max_latency !== null && t.max_latency > 0 ? t.max_latency / 1000 : null,
    retentionDays: null,
    storage: t.backup_storage_uuid,
    enabled: t.enabled !== false,
    ...(t.policy_uuid ? { termsOf: t.policy_uuid } : {}),
  }));
}

/**
 * The terms a CDP policy lends its tasks: a recovery point every `recovery_point_per_second` seconds, kept as long
 * as the longest of its retention tiers (all points, hourly, daily, expiry) says.
 */
export function cdpPolicyFacts(p: {
  uuid: string | null;
  recovery_point_per_second: number | null;
  retention_time_per_day: number | null;
  hourly_rp_since_day: number | null;
  daily_rp_since_day: number | null;
  expire_time_in_day: number | null;
}): ProtectionFact[] {
  if (!p.uuid) return [];
  const tiers = [p.retention_time_per_day, p.hourly_rp_since_day, p.daily_rp_since_day, p.expire_time_in_day].filter((d): d is number => d !== null && d > 0);
  return [{ kind: "terms", id: p.uuid, rpoSeconds: p.recovery_point_per_second, retentionDays: tiers.length ? Math.max(...tiers) : null }];
}

/** A VM backup is one recovery point taken once: it covers its VM with no RPO, kept until deleted. */
export function vmBackupFacts(b: { vm_instance_uuid: string | null; backup_storage_uuid: string | null }): ProtectionFact[] {
  if (!b.vm_instance_uuid) return [];
  return [{ kind: "covers", vm: b.vm_instance_uuid, vmName: null, method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: b.backup_storage_uuid, enabled: true }];
}

/** The data one VM backup group holds, from its volume backups as a listing returns them. */
export function backupGroupData(vm: string | null, volumeBackups: readonly Record<string, unknown>[]): RecoveryData[] {
  if (volumeBackups.length === 0) return [];
  const times = volumeBackups.map((b) => timeOf(b["createDate"])).filter((m): m is number => m !== null);
  return [
    {
      vm,
      kind: "backup",
      count: volumeBackups.length,
      bytes: volumeBackups.reduce((s, b) => s + (typeof b["size"] === "number" ? b["size"] : 0), 0),
      oldest: times.length ? new Date(Math.min(...times)).toISOString() : null,
      newest: times.length ? new Date(Math.max(...times)).toISOString() : null,
    },
  ];
}

/** Epoch milliseconds of a ZStack time: a number, a numeric string, or a date text ("Dec 7, 2026 5:01:02 PM"). */
function timeOf(t: unknown): number | null {
  const ms = typeof t === "number" ? t : typeof t === "string" ? (Number.isFinite(Number(t)) ? Number(t) : Date.parse(t)) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

interface Point {
  task: string | null;
  ms: number | null;
  bytes: number | null;
}

/**
 * Points of one GetVmInstanceRecoveryPoints reply (`recoveryPoints`, a map keyed by groupId): one point per key.
 * A value is ZStack's SDK shape — a list of per-volume entries (`size`, `ts`, `cdpTaskUuid`), summed into the
 * point — or the earlier single object (`size`, `timestamp`).
 */
export function parsePoints(raw: unknown): Point[] {
  if (!raw || typeof raw !== "object") return [];
  return Object.values(raw as Record<string, unknown>).flatMap((v): Point[] => {
    const entries = (Array.isArray(v) ? v : [v]).filter((e): e is Record<string, unknown> => !!e && typeof e === "object");
    if (entries.length === 0) return [];
    const task = entries.map((o) => o["cdpTaskUuid"]).find((t): t is string => typeof t === "string") ?? null;
    const times = entries.map((o) => timeOf(o["ts"] ?? o["timestamp"] ?? o["createDate"])).filter((m): m is number => m !== null);
    const sizes = entries.map((o) => o["size"]).filter((n): n is number => typeof n === "number");
    return [{ task, ms: times.length ? Math.min(...times) : null, bytes: sizes.length ? sizes.reduce((a, b) => a + b, 0) : null }];
  });
}

/** Folds the points of one task on one VM into the count, bytes and time span a reviewer reads. */
export function summarizePoints(vm: string, points: readonly Point[]): RecoveryData[] {
  if (points.length === 0) return [];
  const times = points.map((p) => p.ms).filter((m): m is number => m !== null);
  const sized = points.filter((p) => p.bytes !== null);
  return [
    {
      vm,
      kind: "recovery-point",
      count: points.length,
      bytes: sized.length ? sized.reduce((s, p) => s + p.bytes!, 0) : null,
      oldest: times.length ? new Date(Math.min(...times)).toISOString() : null,
      newest: times.length ? new Date(Math.max(...times)).toISOString() : null,
    },
  ];
}

const PAGE = 1000;

/** Every recovery point of one VM. ZStack lists them only per VM: one listing serves every task on that VM. */
async function pointsOfVm(client: ZStackClient, d: Deadline, vm: string): Promise<Point[]> {
  const out: Point[] = [];
  for (let start = 0; ; start += PAGE) {
    const reply = await client.call(d, { method: "GET", path: `/vm-instances/${vm}/recovery-points`, query: { limit: PAGE, start } });
    const batch = parsePoints(reply["recoveryPoints"]);
    out.push(...batch);
    if (batch.length < PAGE) return out;
  }
}

/** Recovery points per CDP task, listing each VM once however many tasks protect it (requests run concurrently). */
export async function cdpTaskData(client: ZStackClient, d: Deadline, tasks: readonly { uuid: string | null; resource_uuids: readonly string[] | null }[]): Promise<RecoveryData[][]> {
  const vms = [...new Set(tasks.flatMap((t) => (t.uuid ? (t.resource_uuids ?? []) : [])))];
  const listed = new Map(await Promise.all(vms.map(async (vm) => [vm, await pointsOfVm(client, d, vm)] as const)));
  return tasks.map((t) => (t.uuid ? (t.resource_uuids ?? []).flatMap((vm) => summarizePoints(vm, (listed.get(vm) ?? []).filter((p) => p.task === t.uuid))) : []));
}

/** Every VM the credentials can see, with its user tags (`tagUuids` are not names; ZStack user tags arrive as `userTags`). */
export async function surveyVms(client: ZStackClient, d: Deadline): Promise<SurveyedVm[]> {
  const invs = await queryAll(client, d, "/vm-instances");
  return invs.flatMap((inv) => {
    const uuid = str(inv, "uuid");
    if (!uuid || ["Destroyed", "Expunging", "Expunged"].includes(str(inv, "state") ?? "")) return [];
    const tags = list(inv, "userTags").map((t) => str(t, "tag")).filter((t): t is string => t !== null);
    return [{ uuid, name: str(inv, "name"), tags }];
  });
}
