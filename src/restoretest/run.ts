import { randomBytes } from "node:crypto";
import { formatSpan, selects } from "../protection/controls.js";
import { ApiCallError, type RestoreApi } from "./api.js";
import type { CsbsRestoreApi } from "./csbs.js";
import type { RestoreTest } from "./declaration.js";
import { choosePoint, pointLabel, type RecoveryPoint } from "./points.js";
import { REPORT_FORMAT, type CheckResult, type RunReport, type VmResult } from "./report.js";

type Json = Record<string, unknown>;

/** The description prefix every restored VM carries; `<prefix><run id>` finds one run's VMs, the prefix all. */
export const RESTORE_TAG = "backplan-restore-test::";

export interface RunOptions {
  api: RestoreApi;
  /** CSBS, when configured; else `csbsMissing` says why a test that needs it cannot run. */
  csbs: CsbsRestoreApi | null;
  csbsMissing?: string;
  tests: readonly RestoreTest[];
  signal: AbortSignal;
  progress: (vm: string, step: string) => void;
  now?: () => number;
  /** Keeps each restored VM this long before deleting it, so a person can look at it. */
  keepSeconds?: number;
}

const str = (o: Json, k: string): string | null => (typeof o[k] === "string" ? (o[k] as string) : null);
const timeOf = (t: unknown): number => (typeof t === "number" ? t : typeof t === "string" ? Date.parse(t) : NaN);

/** Deletes every VM carrying the restore-test tag (all runs, or one run's); returns their uuids. */
export async function removeTagged(api: RestoreApi, runId?: string): Promise<string[]> {
  const tag = RESTORE_TAG + (runId ?? "");
  const vms = (await api.query("/vm-instances")).filter((v) => (str(v, "description") ?? "").startsWith(tag));
  const removed: string[] = [];
  for (const v of vms) {
    await api.request("DELETE", `/zstack/v1/vm-instances/${str(v, "uuid")}?deleteMode=Enforcing`);
    removed.push(str(v, "uuid")!);
  }
  return removed;
}

/** Runs every restore test: first removes what killed runs left, then restores, validates and deletes. */
export async function runRestoreTests(o: RunOptions): Promise<RunReport> {
  const now = o.now ?? Date.now;
  const runId = `${new Date(now()).toISOString().slice(0, 10).replace(/-/g, "")}-${randomBytes(3).toString("hex")}`;
  const startedAt = new Date(now()).toISOString();
  const leftoversRemoved = await removeTagged(o.api);
  const vms = await o.api.query("/vm-instances");
  const sources = vms.filter((v) => !(str(v, "description") ?? "").startsWith(RESTORE_TAG));
  const results: VmResult[] = [];
  try {
    for (const test of o.tests) {
      const chosen = sources.filter((v) =>
        selects(test.select, {
          vm: str(v, "uuid")!,
          name: str(v, "name"),
          tags: (Array.isArray(v["userTags"]) ? (v["userTags"] as Json[]) : []).map((t) => str(t, "tag")).filter((t): t is string => t !== null),
        }),
      );
      const missing = test.select.uuids.filter((u) => !sources.some((v) => v["uuid"] === u));
      for (const u of missing) results.push(notRun(test, u, null, "error", "no such VM listed by QueryVmInstance"));
      const queue = [...chosen];
      const worker = async () => {
        for (let v = queue.shift(); v; v = queue.shift()) {
          if (o.signal.aborted) {
            results.push(notRun(test, str(v, "uuid")!, str(v, "name"), "error", "interrupted before it started"));
            continue;
          }
          results.push(await testVm(o, test, v, runId, now));
        }
      };
      await Promise.all(Array.from({ length: Math.min(test.parallelism, Math.max(queue.length, 1)) }, worker));
    }
  } finally {
    // A restore job the engine finished after we stopped waiting still carries the run's tag.
    await removeTagged(o.api, runId).catch(() => []);
  }
  // Workers finish in any order; the report lists VMs in test order, then in the order the API listed them.
  const rank = (r: VmResult) => [o.tests.findIndex((t) => t.name === r.test), sources.findIndex((v) => v["uuid"] === r.vm)] as const;
  results.sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
  return { format: REPORT_FORMAT, runId, startedAt, finishedAt: new Date(now()).toISOString(), leftoversRemoved, results };
}

const NOTHING: Record<RestoreTest["source"], string> = {
  cdp: "no CDP recovery point",
  backup: "no VM backup",
  csbs: "no available CSBS backup",
  any: "no CDP recovery point and no VM backup",
};

function notRun(test: RestoreTest, vm: string, name: string | null, outcome: "failed" | "error", reason: string): VmResult {
  return { test: test.name, vm, name, outcome, reason, point: null, restoredVm: null, restoreSeconds: null, rtoSeconds: test.rtoSeconds, checks: [], cleanup: { done: true, detail: "nothing restored" } };
}

async function pointsOf(o: RunOptions, vm: Json, source: RestoreTest["source"]): Promise<RecoveryPoint[]> {
  const api = o.api;
  const uuid = str(vm, "uuid")!;
  const out: RecoveryPoint[] = [];
  if (source === "cdp" || source === "any") {
    const r = await api.request("GET", `/zstack/v1/vm-instances/${uuid}/recovery-points`);
    // ZStack's SDK shape: per groupId, one entry per volume (`grpId`, `ts`, the bytes stored). It carries no volume
    // sizes, so a CDP point is expected to restore the source VM's volumes at their current sizes.
    const sourceSizes = (Array.isArray(vm["allVolumes"]) ? (vm["allVolumes"] as Json[]) : []).map((v) => Number(v["size"]));
    for (const [key, value] of Object.entries((r["recoveryPoints"] ?? {}) as Record<string, Json>)) {
      const entries = (Array.isArray(value) ? value : [value]) as Json[];
      const task = entries.map((e) => str(e, "cdpTaskUuid")).find((t) => t !== null);
      if (!task) continue;
      const time = Math.min(...entries.map((e) => timeOf(e["ts"] ?? e["createDate"] ?? e["timestamp"])));
      out.push({ kind: "cdp", cdpTaskUuid: task, groupId: Number(entries[0]!["grpId"] ?? entries[0]!["groupId"] ?? key), time, volumeSizes: sourceSizes });
    }
    if (source === "any" && out.length > 0) return out;
  }
  if (source === "backup" || source === "any") {
    const groups = new Map<string, Json[]>();
    for (const b of await api.query("/volume-backups", [`vmInstanceUuid=${uuid}`])) {
      const g = str(b, "groupUuid");
      if (g) groups.set(g, [...(groups.get(g) ?? []), b]);
    }
    for (const [g, bs] of groups) out.push({ kind: "backup", groupUuid: g, time: Math.max(...bs.map((b) => timeOf(b["createDate"]))), volumeSizes: bs.map((b) => Number(b["size"])) });
    if (source === "any" && out.length > 0) return out;
  }
  if (source === "csbs" || (source === "any" && o.csbs)) {
    if (!o.csbs) throw new ApiCallError(`CSBS is not configured: ${o.csbsMissing ?? "no csbs provider"}`);
    out.push(...(await o.csbs.points(uuid, o.signal)));
  }
  return out;
}

async function testVm(o: RunOptions, test: RestoreTest, vm: Json, runId: string, now: () => number): Promise<VmResult> {
  const uuid = str(vm, "uuid")!;
  const name = str(vm, "name");
  const show = name ?? uuid;
  const res: VmResult = { test: test.name, vm: uuid, name, outcome: "passed", reason: null, point: null, restoredVm: null, restoreSeconds: null, rtoSeconds: test.rtoSeconds, checks: [], cleanup: { done: true, detail: "nothing restored" } };
  const check = (c: CheckResult) => {
    res.checks.push(c);
    if (!c.pass && res.outcome === "passed") {
      res.outcome = "failed";
      res.reason = `${c.check}: ${c.detail}`;
    }
  };
  try {
    o.progress(show, "listing recovery points");
    const point = choosePoint(await pointsOf(o, vm, test.source), test.point, uuid, now());
    if (!point) {
      const what = NOTHING[test.source] + (test.source === "any" && o.csbs ? " and no CSBS backup" : "");
      check({ check: "point", pass: false, detail: test.point.kind === "random" ? `${what} within the last ${formatSpan(test.point.withinSeconds)}` : `nothing to restore: ${what}` });
      return res;
    }
    res.point = { label: pointLabel(point), kind: point.kind, time: new Date(point.time).toISOString(), ageSeconds: Math.max(0, (now() - point.time) / 1000) };
    check({ check: "point", pass: true, detail: `${res.point.label}, ${res.point.time}` });

    o.progress(show, `restoring ${res.point.label}`);
    const began = performance.now();
    const restored = await restore(o, test, vm, point, runId);
    res.restoredVm = str(restored, "uuid");
    res.cleanup = { done: false, detail: "not deleted yet" };
    res.restoreSeconds = (performance.now() - began) / 1000;
    check({ check: "restore", pass: true, detail: `VM ${res.restoredVm} created in ${res.restoreSeconds.toFixed(1)}s` });

    if (test.validate.running) {
      o.progress(show, "waiting for Running");
      const state = await waitRunning(o, res.restoredVm!);
      check({ check: "running", pass: state === "Running", detail: state === "Running" ? "Running" : `state ${state} after 60s, want Running` });
    }
    const [copy] = await o.api.query("/vm-instances", [`uuid=${res.restoredVm}`]);
    const volumes = (v: Json | undefined) => (Array.isArray(v?.["allVolumes"]) ? (v!["allVolumes"] as Json[]) : []).sort((a, b) => Number(a["deviceId"]) - Number(b["deviceId"]));
    if (test.validate.volumeSizes) {
      // CSBS lists disk sizes in whole GB: restored sizes are compared rounded up to that.
      const unit = point.kind === "csbs" ? point.sizeUnit : 1;
      const got = volumes(copy).map((v) => Math.ceil(Number(v["size"]) / unit) * unit).sort((a, b) => a - b);
      const want = [...point.volumeSizes].sort((a, b) => a - b);
      const same = got.length === want.length && got.every((x, i) => x === want[i]);
      const how = unit === 1 ? "bytes" : "bytes (as CSBS reports them, in whole GB)";
      check({ check: "volume_sizes", pass: same, detail: same ? `${got.length} volume(s): ${got.join(", ")} ${how}` : `restored ${got.join(", ")} ${how}, the point holds ${want.join(", ")}` });
    }
    if (test.validate.engineChecksums !== "off") {
      o.progress(show, `comparing volume checksums with the ${test.validate.engineChecksums}`);
      const dst = volumes(copy);
      const want =
        test.validate.engineChecksums === "source"
          ? await Promise.all(volumes(vm).map((v) => sha(o.api, str(v, "uuid")!)))
          : await pointSums(o.api, point);
      const diffs: string[] = [];
      for (let i = 0; i < Math.max(want.length, dst.length); i++) {
        const got = dst[i] ? await sha(o.api, str(dst[i]!, "uuid")!) : "missing";
        const exp = want[i] ?? "missing";
        if (got !== exp) diffs.push(`volume ${i}: restored sha256 ${got.slice(0, 16)}, ${test.validate.engineChecksums} ${exp.slice(0, 16)}`);
      }
      check({ check: "engine_checksums", pass: diffs.length === 0, detail: diffs.length ? diffs.join("; ") : `${dst.length} volume(s) byte-identical to the ${test.validate.engineChecksums === "source" ? "source VM" : "recovery point"}` });
    }
    if (test.rtoSeconds !== null) {
      const ok = res.restoreSeconds <= test.rtoSeconds;
      check({ check: "rto", pass: ok, detail: `${res.restoreSeconds.toFixed(1)}s ${ok ? "≤" : ">"} ${test.rtoSeconds}s` });
    }
    if (o.keepSeconds) {
      o.progress(show, `keeping ${res.restoredVm} for ${o.keepSeconds}s`);
      await abortableSleep(o.keepSeconds * 1000, o.signal).catch(() => undefined);
    }
  } catch (e) {
    const msg = o.signal.aborted ? "interrupted" : e instanceof ApiCallError ? e.message : String((e as Error).message ?? e);
    if (res.point && res.checks.every((c) => c.check !== "restore")) check({ check: "restore", pass: false, detail: msg });
    else if (res.outcome === "passed") {
      res.outcome = "error";
      res.reason = msg;
    }
    if (o.signal.aborted) {
      res.outcome = "error";
      res.reason = "interrupted";
    }
  } finally {
    if (res.restoredVm) {
      o.progress(show, `deleting ${res.restoredVm}`);
      try {
        await o.api.request("DELETE", `/zstack/v1/vm-instances/${res.restoredVm}?deleteMode=Enforcing`);
        const left = await o.api.query("/vm-instances", [`uuid=${res.restoredVm}`]);
        res.cleanup = left.length === 0 ? { done: true, detail: `deleted ${res.restoredVm}` } : { done: false, detail: `${res.restoredVm} still listed after DestroyVmInstance` };
      } catch (e) {
        res.cleanup = { done: false, detail: (e as Error).message };
      }
      if (!res.cleanup.done && res.outcome === "passed") {
        res.outcome = "failed";
        res.reason = `cleanup: ${res.cleanup.detail}`;
      }
    }
    o.progress(show, res.outcome);
  }
  return res;
}

async function restore(o: RunOptions, test: RestoreTest, vm: Json, point: RecoveryPoint, runId: string): Promise<Json> {
  const t = test.target;
  const common = {
    name: `brt-${runId}-${str(vm, "name") ?? str(vm, "uuid")}`.slice(0, 255),
    description: `${RESTORE_TAG}${runId} restore test "${test.name}" of ${str(vm, "uuid")}`,
    ...(t.zoneUuid ? { zoneUuid: t.zoneUuid } : {}),
    ...(t.l3NetworkUuids.length ? { l3NetworkUuids: t.l3NetworkUuids } : {}),
  };
  // CreateVmFromCdpBackup needs an offering; the source VM's is the natural default.
  const offering = t.instanceOfferingUuid ?? str(vm, "instanceOfferingUuid");
  if (point.kind === "csbs") {
    // A CSBS restore creates the server; it is the same inventory the ZStack API lists, and deletes.
    const server = await o.csbs!.restore(point, { name: common.name, description: common.description, instanceOfferingUuid: offering, l3NetworkUuids: t.l3NetworkUuids }, o.signal);
    const [inv] = await o.api.query("/vm-instances", [`uuid=${server}`]);
    if (!inv) throw new ApiCallError(`CSBS restored server ${server}, but QueryVmInstance does not list it`);
    return inv;
  }
  const r =
    point.kind === "cdp"
      ? await o.api.request("PUT", "/zstack/v1/cdp-backups/actions", { createVmFromCdpBackup: { ...common, groupId: point.groupId, cdpTaskUuid: point.cdpTaskUuid, instanceOfferingUuid: offering } }, o.signal)
      : await o.api.request("POST", `/zstack/v1/vm-instances/from/vm-backups/${point.groupUuid}`, { params: { ...common, ...(offering ? { instanceOfferingUuid: offering } : {}) } }, o.signal);
  const inv = r["inventory"] as Json | undefined;
  if (!inv || typeof inv["uuid"] !== "string") throw new ApiCallError("the restore answered without a VM inventory");
  return inv;
}

async function waitRunning(o: RunOptions, uuid: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [v] = await o.api.query("/vm-instances", [`uuid=${uuid}`]);
    const state = v ? (str(v, "state") ?? "unknown") : "gone";
    if (state === "Running" || Date.now() > deadline) return state;
    await abortableSleep(500, o.signal);
  }
}

/** SHA-256 per volume (device order) of the point as the engine holds it. */
async function pointSums(api: RestoreApi, p: RecoveryPoint): Promise<string[]> {
  const path =
    p.kind === "cdp"
      ? `/engine/v1/cdp-tasks/${p.cdpTaskUuid}/recovery-points/${p.groupId}/sha256`
      : p.kind === "backup"
        ? `/engine/v1/vm-backups/${p.groupUuid}/sha256`
        : `/engine/v1/csbs/checkpoint-items/${p.itemId}/sha256`;
  const r = await api.request("GET", path);
  const vols = Array.isArray(r["volumes"]) ? (r["volumes"] as Json[]) : [];
  return vols.sort((a, b) => Number(a["deviceId"]) - Number(b["deviceId"])).map((v) => String(v["sha256"]));
}

async function sha(api: RestoreApi, volume: string): Promise<string> {
  const r = await api.request("GET", `/engine/v1/volumes/${volume}/sha256`);
  return String(r["sha256"]);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}
