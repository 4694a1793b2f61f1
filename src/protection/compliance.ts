import { evaluateControls, type Control, type Failure } from "./controls.js";
import { computeCoverage, type Protector, type VmProtection } from "./coverage.js";
import type { SurveyedVm } from "../sdk/protection.js";
import { PROTECTION_FORMAT_VERSION, type RetentionJson } from "./plan-report.js";

/** One VM's live protection, as drift reports it. */
export interface LiveVm {
  vm: string;
  name: string | null;
  protected: boolean;
  /** "managed": some protecting object is in a state; "unmanaged": only objects no state manages; "none". */
  management: "managed" | "unmanaged" | "none";
  rpo_seconds: number | null;
  retention_days: RetentionJson;
  storages: string[];
  newest_point: string | null;
  newest_age_seconds: number | null;
  by: { type: string; id: string | null; address: string | null; method: string; enabled: boolean }[];
}

export interface ComplianceRow {
  vm: string;
  name: string | null;
  management: LiveVm["management"];
  pass: boolean;
  failures: Failure[];
}

export interface ControlCompliance {
  control: string;
  where: string;
  passed: number;
  failed: number;
  results: ComplianceRow[];
}

/** `backplan drift`'s protection section (JSON key `protection`). */
export interface ComplianceReport {
  format_version: string;
  vms: LiveVm[];
  controls: ControlCompliance[];
  /** (control, VM) pairs failing. */
  failed: number;
  errors: string[];
}

function management(v: VmProtection): LiveVm["management"] {
  if (v.by.some((b) => b.managed)) return "managed";
  return v.by.length > 0 ? "unmanaged" : "none";
}

/**
 * Live protection and control compliance. Pure. In: every protecting object (managed and unmanaged, with recovery
 * data for ages), every VM listed, the controls and the time of the check.
 */
export function compliance(protectors: readonly Protector[], vms: readonly SurveyedVm[], controls: readonly Control[], now: Date, errors: readonly string[]): ComplianceReport {
  const coverage = computeCoverage(protectors, vms, now);
  const byVm = new Map(coverage.map((v) => [v.vm, v]));
  const results = evaluateControls(controls, coverage, { newest: true });
  const out: ControlCompliance[] = controls.map((c) => {
    const rows = results
      .filter((r) => r.control === c.name)
      .map((r) => {
        const v = byVm.get(r.vm);
        return { vm: r.vm, name: r.name, management: v ? management(v) : ("none" as const), pass: r.pass, failures: r.failures };
      });
    return { control: c.name, where: c.where, passed: rows.filter((r) => r.pass).length, failed: rows.filter((r) => !r.pass).length, results: rows };
  });
  return {
    format_version: PROTECTION_FORMAT_VERSION,
    vms: coverage.map((v) => ({
      vm: v.vm,
      name: v.name,
      protected: v.protected,
      management: management(v),
      rpo_seconds: v.rpoSeconds,
      retention_days: v.retentionDays === null ? null : Number.isFinite(v.retentionDays) ? Math.round(v.retentionDays * 100) / 100 : "forever",
      storages: v.storages,
      newest_point: v.newestPoint,
      newest_age_seconds: v.newestAgeSeconds,
      by: v.by.map((b) => ({ type: b.type, id: b.id, address: b.address, method: b.method, enabled: b.enabled })),
    })),
    controls: out,
    failed: out.reduce((n, c) => n + c.failed, 0),
    errors: [...errors],
  };
}
