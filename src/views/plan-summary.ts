import { isApplyable, type Plan, type PlanMode, type ResourceChange } from "../plan/plan.js";
import { protectionOf, type Lost, type VmChange } from "../protection/plan-report.js";
import { reviewCounts, sortedChanges } from "./counts.js";
import { formatAttributePath } from "./paths.js";
import { isMoved } from "./resource-text.js";

/**
 * `backplan show -summary-json PLANFILE`: a small, stable document for CI outputs, PR labels and
 * required-reviewer rules. Schema `format_version` "1.0" (documented in docs/plan-review.md); fields are only
 * ever added within 1.x. It carries addresses and attribute names, never attribute values, so it holds no
 * secrets.
 */

export const SUMMARY_FORMAT_VERSION = "1.0";

export interface PlanSummary {
  format_version: string;
  mode: PlanMode;
  /** Replacements count once, under `replace` (not also under add and destroy). */
  counts: {
    add: number;
    change: number;
    replace: number;
    destroy: number;
    import: number;
    forget: number;
    move: number;
    read: number;
    /** Root outputs whose value changes. */
    output_change: number;
  };
  /** True when the plan destroys or replaces anything (the usual "needs a second reviewer" rule). */
  has_destroy: boolean;
  /** Managed resource instances the plan deletes, by address. */
  destroy: { address: string; reason?: string }[];
  /** Replacements: what forces each (`forced_by` attribute paths as `a.b[0].c`) and in which order it happens. */
  replace: { address: string; forced_by: string[]; reason?: string; create_before_destroy: boolean }[];
  /** What changed outside backplan since the last apply. */
  drift: { count: number; resources: { address: string; action: "update" | "delete" | "move" }[] };
  applyable: boolean;
  complete: boolean;
  errored: boolean;
  diagnostics: { errors: number; warnings: number };
  /**
   * What the plan does to VM protection (docs/protection.md): recovery data it deletes, VMs whose protection
   * changes, protection controls it breaks. Null when the plan touches no protecting object and no controls apply.
   */
  protection: { lost: Lost; vms: VmChange[]; control_violations: number; allowed_protection_loss: boolean } | null;
}

function driftAction(d: ResourceChange): "update" | "delete" | "move" {
  if (d.action === "delete") return "delete";
  if (d.action === "no-op" && isMoved(d)) return "move";
  return "update";
}

/** Builds the summary. Pure; serialise with `JSON.stringify(summary, null, 2)`. */
export function planSummary(plan: Plan): PlanSummary {
  const c = reviewCounts(plan);
  const changes = sortedChanges(plan.changes);
  const destroy = changes
    .filter((rc) => rc.action === "delete" && rc.mode === "managed")
    .map((rc) => (rc.reason ? { address: rc.address, reason: rc.reason } : { address: rc.address }));
  const replace = changes
    .filter((rc) => rc.action === "replace")
    .map((rc) => ({
      address: rc.address,
      forced_by: rc.replacePaths.map((p) => formatAttributePath(p)),
      ...(rc.reason ? { reason: rc.reason } : {}),
      create_before_destroy: rc.createBeforeDestroy ?? false,
    }));
  const drift = sortedChanges(plan.drift)
    .filter((d) => d.action !== "no-op" || isMoved(d))
    .map((d) => ({ address: d.address, action: driftAction(d) }));
  return {
    format_version: SUMMARY_FORMAT_VERSION,
    mode: plan.mode,
    counts: {
      add: c.add,
      change: c.change,
      replace: c.replace,
      destroy: c.destroy,
      import: c.import,
      forget: c.forget,
      move: c.move,
      read: c.read,
      output_change: c.outputs,
    },
    has_destroy: destroy.length + replace.length > 0,
    destroy,
    replace,
    drift: { count: drift.length, resources: drift },
    applyable: isApplyable(plan),
    protection: summaryProtection(plan),
    complete: plan.complete,
    errored: plan.errored,
    diagnostics: {
      errors: plan.diagnostics.filter((d) => d.severity === "error").length,
      warnings: plan.diagnostics.filter((d) => d.severity === "warning").length,
    },
  };
}

function summaryProtection(plan: Plan): PlanSummary["protection"] {
  const p = protectionOf(plan);
  return p ? { lost: p.lost, vms: p.vms, control_violations: p.controls.violations.length, allowed_protection_loss: p.controls.allowed } : null;
}
