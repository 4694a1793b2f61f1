import { describe, expect, it } from "vitest";
import { emptyPlan, fullPlan, SECRET } from "./fixtures.test-support.js";
import { planSummary } from "./plan-summary.js";

describe("planSummary", () => {
  it("counts per action, names destroys and replacements with what forces them, and lists drift", () => {
    expect(planSummary(fullPlan())).toEqual({
      format_version: "1.0",
      mode: "normal",
      counts: { add: 1, change: 2, replace: 2, destroy: 2, import: 1, forget: 1, move: 1, read: 1, output_change: 3 },
      has_destroy: true,
      destroy: [
        { address: "zstack_vm_backup.nightly[2]", reason: "delete_because_count_index" },
        { address: "zstack_vm_backup.old", reason: "delete_because_no_resource_config" },
      ],
      replace: [
        { address: "csbs_backup_policy.daily", forced_by: ["scheduled_operations[0].trigger_pattern"], reason: "replace_because_cannot_update", create_before_destroy: true },
        { address: "zstack_cdp_task.db", forced_by: ["policy_uuid"], reason: "replace_because_cannot_update", create_before_destroy: false },
      ],
      drift: {
        count: 2,
        resources: [
          { address: "zstack_cdp_task.web", action: "update" },
          { address: "zstack_vm_backup.gone", action: "delete" },
        ],
      },
      applyable: true,
      protection: null,
      complete: true,
      errored: false,
      diagnostics: { errors: 0, warnings: 0 },
    });
  });

  it("holds no values, so no secrets", () => {
    expect(JSON.stringify(planSummary(fullPlan()))).not.toContain(SECRET);
  });

  it("reports an empty plan as not applyable with zero counts", () => {
    const s = planSummary(emptyPlan({ complete: false, targets: ["zstack_cdp_task.web"], diagnostics: [{ severity: "warning", summary: "Resource targeting is in effect", detail: "" }] }));
    expect(s.counts).toEqual({ add: 0, change: 0, replace: 0, destroy: 0, import: 0, forget: 0, move: 0, read: 0, output_change: 0 });
    expect([s.has_destroy, s.applyable, s.complete, s.diagnostics.warnings]).toEqual([false, false, false, 1]);
  });
});
