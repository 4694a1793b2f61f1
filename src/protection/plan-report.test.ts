import { describe, expect, it } from "vitest";
import { failsPlan, planProtection, protectionRelevant, totals } from "./plan-report.js";
import { NOW, protectionPlan, protectionReport, TYPES } from "./fixture.test-support.js";

describe("planProtection", () => {
  const report = protectionReport();

  it("lists only the VMs whose protection changes, with before and after", () => {
    expect(report.vms.map((v) => [v.name, v.changed, v.weaker])).toEqual([
      ["db-1", ["rpo"], true],
      ["web-1", ["coverage", "rpo", "retention", "storage", "objects"], true],
    ]);
    expect(report.vms[0]).toMatchObject({ before: { protected: true, rpo_seconds: 600, retention_days: 7, by: ["zstack_cdp_task.db"] }, after: { rpo_seconds: 3600 } });
    expect(report.vms[1]!.after).toEqual({ protected: false, rpo_seconds: null, retention_days: null, storages: [], by: [] });
  });

  it("counts the data the plan removes, named by VM", () => {
    expect(report.data_at_risk).toEqual([
      { address: "zstack_cdp_task.web", type: "zstack_cdp_task", action: "delete", items: [{ vm: "vm-web", vm_name: "web-1", kind: "recovery-point", count: 1284, bytes: 3 * 1024 ** 3 + 5, oldest: "2026-12-04T09:00:00.000Z", newest: "2026-12-07T11:59:00.000Z" }] },
    ]);
    expect(report.lost).toMatchObject({ recovery_points: 1284, backups: 0, bytes: 3 * 1024 ** 3 + 5 });
  });

  it("a control broken on a VM the plan touches is a violation; one already failing elsewhere is not", () => {
    expect(report.controls.violations.map((v) => [v.control, v.name, v.failures.map((f) => `${f.check} ${f.got}`)])).toEqual([
      ["db-rpo", "db-1", ["max_rpo 1h"]],
      ["all-protected", "web-1", ["protected none"]],
    ]);
    expect(report.controls.already_failing.map((v) => [v.control, v.name])).toEqual([["app-rpo", "app-1"]]);
    expect(failsPlan(report)).toBe(true);
    expect(failsPlan(protectionReport(true))).toBe(false);
  });

  it("a plan with no protecting change and no controls has no relevant change", () => {
    const plan = protectionPlan();
    plan.changes = plan.changes.filter((c) => c.action === "no-op");
    expect(plan.changes.some((c) => protectionRelevant(c, TYPES))).toBe(false);
    const empty = planProtection({ plan, types: TYPES, unmanaged: [], vms: [], data: new Map(), controls: [], allowLoss: false, errors: [], now: NOW });
    expect([empty.vms, empty.data_at_risk, empty.controls.violations]).toEqual([[], [], []]);
  });

  it("totals add by kind and keep the widest time span", () => {
    expect(
      totals([
        { vm: null, vm_name: null, kind: "backup", count: 2, bytes: 10, oldest: "2026-01-02T00:00:00Z", newest: "2026-01-03T00:00:00Z" },
        { vm: null, vm_name: null, kind: "checkpoint", count: 1, bytes: null, oldest: "2026-01-01T00:00:00Z", newest: "2026-01-01T00:00:00Z" },
      ]),
    ).toEqual({ recovery_points: 0, backups: 2, checkpoints: 1, bytes: 10, oldest: "2026-01-01T00:00:00Z", newest: "2026-01-03T00:00:00Z" });
  });
});
