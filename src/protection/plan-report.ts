import type { Plan, ResourceChange } from "../plan/plan.js";
import type { RecoveryData, SurveyedVm } from "../sdk/protection.js";
import { evaluateControls, type Control, type ControlResult } from "./controls.js";
import { computeCoverage, type Protector, type VmProtection } from "./coverage.js";
import type { ProtectionTypes } from "./types.js";

/** `show -json`'s top-level key for the report (tools that read Terraform's plan JSON ignore unknown keys). */
export const PLAN_JSON_KEY = "backplan_protection";
export const PROTECTION_FORMAT_VERSION = "1.0";

/** Retention as JSON carries it: days, "forever" (kept until deleted), or null (unknown). */
export type RetentionJson = number | "forever" | null;

/** One side (before or after the plan) of a VM's protection. */
export interface VmSide {
  protected: boolean;
  rpo_seconds: number | null;
  retention_days: RetentionJson;
  storages: string[];
  /** Addresses of managed objects, `type id` of unmanaged ones, that protect the VM (enabled or not). */
  by: string[];
}

export type Aspect = "coverage" | "rpo" | "retention" | "storage" | "objects";

/** A VM whose protection the plan changes. */
export interface VmChange {
  vm: string;
  name: string | null;
  before: VmSide;
  after: VmSide;
  changed: Aspect[];
  /** True when the plan lowers protection: coverage lost, RPO raised, retention shortened. */
  weaker: boolean;
}

export interface DataItem {
  vm: string | null;
  vm_name: string | null;
  kind: RecoveryData["kind"];
  count: number;
  bytes: number | null;
  oldest: string | null;
  newest: string | null;
}

/** Data held by one object the plan deletes or replaces. */
export interface DataAtRisk {
  address: string;
  type: string;
  action: "delete" | "replace";
  items: DataItem[];
}

export interface Lost {
  recovery_points: number;
  backups: number;
  checkpoints: number;
  bytes: number;
  oldest: string | null;
  newest: string | null;
}

export interface ControlFailureJson {
  control: string;
  where: string;
  vm: string;
  name: string | null;
  failures: ControlResult["failures"];
}

/** The protection section of a plan: stored in the plan file, shown in text, Markdown and JSON. */
export interface PlanProtection {
  format_version: string;
  vms: VmChange[];
  data_at_risk: DataAtRisk[];
  lost: Lost;
  controls: {
    /** Number of controls read. */
    count: number;
    /** (control, VM) pairs the plan breaks: failing after the plan, and passing before or touched by it. */
    violations: ControlFailureJson[];
    /** Failures already present before the plan, on VMs it does not touch (reported, not fatal). */
    already_failing: ControlFailureJson[];
    /** `-allow-protection-loss` was given: violations do not fail the plan. */
    allowed: boolean;
  };
  /** Reads that failed (the report is then partial). */
  errors: string[];
}

export interface PlanProtectionInput {
  plan: Plan;
  types: ProtectionTypes;
  /** Objects no state manages (already stripped of managed ones) and every VM listed, when surveyed. */
  unmanaged: readonly Protector[];
  vms: readonly SurveyedVm[];
  /** Recovery data by address of the objects the plan deletes or replaces. */
  data: ReadonlyMap<string, readonly RecoveryData[]>;
  controls: readonly Control[];
  allowLoss: boolean;
  errors: readonly string[];
  now: Date;
}

/** Whether a change touches a type that protects VMs in a way that can alter protection. */
export function protectionRelevant(rc: ResourceChange, types: ProtectionTypes): boolean {
  if (rc.mode !== "managed" || rc.action === "no-op" || rc.action === "read") return false;
  const v = rc.before?.value ?? rc.after?.value ?? null;
  return types.facts(rc.type, v) !== undefined;
}

/** Objects before and after the plan, from each managed change's before and after values. */
function protectors(plan: Plan, types: ProtectionTypes, side: "before" | "after", data: ReadonlyMap<string, readonly RecoveryData[]>): Protector[] {
  const out: Protector[] = [];
  for (const rc of plan.changes) {
    if (rc.mode !== "managed" || rc.action === "forget") continue;
    const v = rc[side];
    if (!v) continue;
    const facts = types.facts(rc.type, v.value);
    if (!facts) continue;
    const d = side === "before" ? data.get(rc.address) : undefined;
    out.push({ type: rc.type, id: types.idOf(rc.type, v.value), address: rc.address, facts, ...(d ? { data: d } : {}) });
  }
  return out;
}

function retentionJson(days: number | null): RetentionJson {
  return days === null ? null : Number.isFinite(days) ? Math.round(days * 100) / 100 : "forever";
}

function sideOf(v: VmProtection | undefined): VmSide {
  if (!v) return { protected: false, rpo_seconds: null, retention_days: null, storages: [], by: [] };
  return {
    protected: v.protected,
    rpo_seconds: v.rpoSeconds,
    retention_days: retentionJson(v.retentionDays),
    storages: v.storages,
    by: v.by.map((b) => b.address ?? `${b.type} ${b.id ?? "?"}`),
  };
}

/** Larger is worse for RPO; null (none) is worst of all. */
function rpoWorse(before: number | null, after: number | null): boolean {
  return before !== null && (after === null || after > before);
}

function retentionShorter(before: number | null, after: number | null): boolean {
  return before !== null && (after === null || after < before);
}

/**
 * The protection section of a plan. Pure. In: the plan (its managed changes' before/after values are the
 * managed objects on each side), unmanaged objects and VMs from a survey (unchanged by the plan), the recovery
 * data read for deleted/replaced objects, the controls. Out: the VMs whose protection differs between the two
 * sides, the data the plan removes with totals, and the controls the plan breaks.
 */
export function planProtection(input: PlanProtectionInput): PlanProtection {
  const { plan, types } = input;
  const before = computeCoverage([...protectors(plan, types, "before", input.data), ...input.unmanaged], input.vms, input.now);
  const after = computeCoverage([...protectors(plan, types, "after", input.data), ...input.unmanaged], input.vms, input.now);
  const afterBy = new Map(after.map((v) => [v.vm, v]));
  const beforeBy = new Map(before.map((v) => [v.vm, v]));
  const names = new Map<string, string | null>();
  for (const v of [...before, ...after]) if (v.name !== null || !names.has(v.vm)) names.set(v.vm, v.name);

  const vms: VmChange[] = [];
  for (const vm of [...new Set([...before.map((v) => v.vm), ...after.map((v) => v.vm)])]) {
    const b = beforeBy.get(vm);
    const a = afterBy.get(vm);
    const sb = sideOf(b);
    const sa = sideOf(a);
    const changed: Aspect[] = [];
    if (sb.protected !== sa.protected) changed.push("coverage");
    if (sb.rpo_seconds !== sa.rpo_seconds) changed.push("rpo");
    if (sb.retention_days !== sa.retention_days) changed.push("retention");
    if (sb.storages.join() !== sa.storages.join()) changed.push("storage");
    if (sb.by.join() !== sa.by.join()) changed.push("objects");
    if (changed.length === 0) continue;
    const weaker = (sb.protected && !sa.protected) || rpoWorse(b?.rpoSeconds ?? null, a?.rpoSeconds ?? null) || retentionShorter(b?.retentionDays ?? null, a?.retentionDays ?? null);
    vms.push({ vm, name: names.get(vm) ?? null, before: sb, after: sa, changed, weaker });
  }
  vms.sort((x, y) => (x.name ?? "\uffff").localeCompare(y.name ?? "\uffff") || x.vm.localeCompare(y.vm));

  const data_at_risk: DataAtRisk[] = [];
  for (const rc of plan.changes) {
    if (rc.action !== "delete" && rc.action !== "replace") continue;
    const items = input.data.get(rc.address);
    if (!items || items.length === 0) continue;
    data_at_risk.push({
      address: rc.address,
      type: rc.type,
      action: rc.action,
      items: items.map((d) => ({ vm: d.vm, vm_name: d.vm === null ? null : (names.get(d.vm) ?? null), kind: d.kind, count: d.count, bytes: d.bytes, oldest: d.oldest, newest: d.newest })),
    });
  }
  data_at_risk.sort((a, b) => a.address.localeCompare(b.address));
  const lost = totals(data_at_risk.flatMap((d) => d.items));

  const controlsBefore = evaluateControls(input.controls, before, { newest: false });
  const controlsAfter = evaluateControls(input.controls, after, { newest: false });
  const passedBefore = new Set(controlsBefore.filter((r) => r.pass).map((r) => `${r.control}\u0000${r.vm}`));
  const touched = new Set(vms.map((v) => v.vm));
  const where = new Map(input.controls.map((c) => [c.name, c.where]));
  const asJson = (r: ControlResult): ControlFailureJson => ({ control: r.control, where: where.get(r.control) ?? "", vm: r.vm, name: r.name, failures: r.failures });
  const failing = controlsAfter.filter((r) => !r.pass);
  const breaks = (r: ControlResult) => passedBefore.has(`${r.control}\u0000${r.vm}`) || touched.has(r.vm);
  return {
    format_version: PROTECTION_FORMAT_VERSION,
    vms,
    data_at_risk,
    lost,
    controls: {
      count: input.controls.length,
      violations: failing.filter(breaks).map(asJson),
      already_failing: failing.filter((r) => !breaks(r)).map(asJson),
      allowed: input.allowLoss,
    },
    errors: [...input.errors],
  };
}

/** Sums what a list of data items holds, by kind, with the overall time span. */
export function totals(items: readonly DataItem[]): Lost {
  const out: Lost = { recovery_points: 0, backups: 0, checkpoints: 0, bytes: 0, oldest: null, newest: null };
  for (const d of items) {
    if (d.kind === "recovery-point") out.recovery_points += d.count;
    else if (d.kind === "backup") out.backups += d.count;
    else out.checkpoints += d.count;
    out.bytes += d.bytes ?? 0;
    if (d.oldest !== null && (out.oldest === null || Date.parse(d.oldest) < Date.parse(out.oldest))) out.oldest = d.oldest;
    if (d.newest !== null && (out.newest === null || Date.parse(d.newest) > Date.parse(out.newest))) out.newest = d.newest;
  }
  return out;
}

/** Whether the report fails the plan: a control is broken and `-allow-protection-loss` was not given. */
export function failsPlan(p: PlanProtection): boolean {
  return p.controls.violations.length > 0 && !p.controls.allowed;
}

/** Whether there is anything to show: a VM whose protection changes, data removed, a control result or an error. */
export function hasProtectionNews(p: PlanProtection): boolean {
  return p.vms.length > 0 || p.data_at_risk.length > 0 || p.controls.violations.length > 0 || p.controls.already_failing.length > 0 || p.errors.length > 0;
}

/** The protection section a plan carries, or undefined (plans made without one, or by an older backplan). */
export function protectionOf(plan: Plan): PlanProtection | undefined {
  const p = plan.protection as Partial<PlanProtection> | undefined;
  return p && p.format_version === PROTECTION_FORMAT_VERSION && Array.isArray(p.vms) ? (p as PlanProtection) : undefined;
}
